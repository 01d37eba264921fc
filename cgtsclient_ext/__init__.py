"""The ``system`` CLI and a small client library for sysinv-edgeworker.

Command names, flags and output follow StarlingX's cgtsclient so operators can
type what they type against sysinv.  Nothing heavy is imported here: the
shell's start-up time is part of the contract (see benchmarks/cli_startup.py).
"""

__version__ = "0.1.0"
