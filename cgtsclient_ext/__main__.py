"""``python -m cgtsclient_ext`` runs the ``system`` command."""

import sys

from cgtsclient_ext.shell import main

if __name__ == "__main__":
    sys.exit(main())
