"""Resource managers and shell commands for API version 1."""
