"""Provisioning lab: Debian-based test hosts, signed local package repos, a lab control plane.

See docs/lab.md. Everything here needs root (netns, overlayfs, chroot, systemd-nspawn).
Entry points: the pytest fixtures in :mod:`tests.lab.fixtures` and ``python -m tests.lab``.
"""
