"""Fixtures for the provision_edgeworker role tests: the loopback Kubernetes API double."""

from tests.kubeapi import kube_api  # noqa: F401 - a fixture, used by name
