"""sysinv-edgeworker: inventory service with the edgeworker personality."""
