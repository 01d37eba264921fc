"""sysinv-edgeworker: inventory service with the edgeworker personality."""

import warnings

# oslo.messaging imports oslo.service, whose default backend imports eventlet, which warns
# that it is deprecated on import. This service never uses eventlet (threads only, see
# design §4), so the warning says nothing to an operator and would otherwise be the first
# lines a start-up error prints.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
