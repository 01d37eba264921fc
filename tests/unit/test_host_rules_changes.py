"""The host rules' exact outcomes for create, update, actions, upgrades and provisioning
reports (written to kill the mutants benchmarks/mutation.py found surviving)."""

import pytest

from sysinv_edgeworker.api import host_rules as rules
from sysinv_edgeworker.common import exception
from tests.unit.host_rules_data import BARE, CURRENT, EDGE, MAC, WORKER

DYN = rules.MgmtNetwork(dynamic=True, subnet="192.168.204.0/24", reserved={})
STATIC = rules.MgmtNetwork(dynamic=False, subnet=DYN.subnet, reserved={})
ACTIONS = (
    "lock, unlock, force-lock, force-unlock, reboot, reset, reinstall, power-on, "
    "power-off, swact, force-swact"
)


def _err(cls, fn, *args, **kwargs):
    with pytest.raises(cls) as err:
        fn(*args, **kwargs)
    return err.value


def _invalid(fn, *args, **kwargs):
    e = _err(exception.InvalidParameterValue, fn, *args, **kwargs)
    assert e.code == 400
    return e.message


# ---- create ------------------------------------------------------------------------------


def test_create_needs_a_mac():
    assert _invalid(rules.validate_create, {}, "duplex", DYN) == "mgmt_mac must be a MAC address."
    assert rules.validate_create(
        {"mgmt_mac": "52:54:00:AA:BB:01", "personality": "", "hostname": "", "mgmt_ip": ""},
        "duplex",
        DYN,
    ) == {"mgmt_mac": MAC}


@pytest.mark.parametrize("field,value", [("hostname", "edge-01"), ("mgmt_ip", "192.168.204.9")])
def test_create_fields_need_personality(field, value):
    assert _invalid(rules.validate_create, {"mgmt_mac": MAC, field: value}, "duplex", STATIC) == (
        "%s requires a personality; register a bare MAC with mgmt_mac only, or give "
        "hostname and personality." % field
    )


def test_create_hostname_and_ip_required():
    assert _invalid(rules.validate_create, dict(EDGE, hostname=""), "duplex", DYN) == (
        "hostname is required for edgeworker hosts."
    )
    assert _invalid(rules.validate_create, dict(EDGE, mgmt_ip=""), "duplex", STATIC) == (
        "mgmt_ip is required for edgeworker hosts: the mgmt network is static."
    )
    assert rules.validate_create(dict(EDGE, mgmt_ip=""), "duplex", DYN) == EDGE
    assert rules.validate_create(dict(EDGE, mgmt_ip="192.168.204.9"), "duplex", STATIC) == dict(
        EDGE, mgmt_ip="192.168.204.9"
    )


# ---- update ------------------------------------------------------------------------------


def test_update_unknown_attribute():
    assert _invalid(rules.validate_update, CURRENT, {"colour": "red"}, "duplex", DYN) == (
        "'colour' is not a host attribute."
    )
    assert _invalid(rules.validate_update, CURRENT, {"x" * 70: 1}, "duplex", DYN) == (
        "'%s…' is not a host attribute." % ("x" * 64)
    )


def test_update_personality_on_bare_host():
    assert _invalid(rules.validate_update, BARE, {"personality": "edge"}, "duplex", DYN) == (
        "personality 'edge' is invalid; expected one of: controller, worker, storage, edgeworker."
    )
    assert (
        _invalid(rules.validate_update, BARE, {"personality": "edgeworker"}, "duplex", DYN)
        == "hostname is required for edgeworker hosts."
    )
    assert _invalid(
        rules.validate_update,
        BARE,
        {"personality": "worker", "hostname": "worker-1"},
        "simplex",
        DYN,
    ) == ("personality 'worker' is not allowed in a simplex system (allowed in: duplex, standard).")
    assert _invalid(rules.validate_update, CURRENT, {"personality": "worker"}, "duplex", DYN) == (
        "personality cannot be changed once set (edgeworker); delete the host and add it again."
    )


def test_update_named_host_gets_personality():
    """A host that has a hostname but no personality keeps its hostname."""
    named = dict(BARE, hostname="edge-01")
    assert rules.validate_update(named, {"personality": "edgeworker"}, "duplex", DYN) == {
        "personality": "edgeworker"
    }
    assert (
        _invalid(rules.validate_update, named, {"personality": "storage"}, "standard", DYN)
        == "hostname 'edge-01' is invalid for a storage host: use storage-N."
    )


def test_update_bare_host_with_an_address_needs_no_new_one():
    with_ip = dict(BARE, mgmt_ip="192.168.204.9")
    assert rules.validate_update(
        with_ip, {"personality": "edgeworker", "hostname": "edge-01"}, "duplex", STATIC
    ) == {"personality": "edgeworker", "hostname": "edge-01"}


def test_update_bare_host_ip_and_hostname_checked():
    assert rules.validate_update(
        BARE,
        {"personality": "edgeworker", "hostname": "edge-01", "mgmt_ip": "192.168.204.9"},
        "duplex",
        STATIC,
    ) == {"personality": "edgeworker", "hostname": "edge-01", "mgmt_ip": "192.168.204.9"}
    assert (
        _invalid(
            rules.validate_update,
            BARE,
            {"personality": "edgeworker", "hostname": "controller-0"},
            "duplex",
            DYN,
        )
        == "hostname 'controller-0' is reserved for the controllers."
    )
    assert _invalid(
        rules.validate_update,
        BARE,
        {"personality": "edgeworker", "hostname": "edge-01", "mgmt_ip": "10.0.0.1"},
        "duplex",
        STATIC,
    ) == ("mgmt_ip 10.0.0.1 is not in the mgmt subnet 192.168.204.0/24.")


def test_update_host_with_personality_but_no_hostname():
    unnamed = dict(BARE, personality="edgeworker")
    assert rules.validate_update(unnamed, {"hostname": "edge-01"}, "duplex", DYN) == {
        "hostname": "edge-01"
    }
    assert _invalid(rules.validate_update, unnamed, {}, "duplex", DYN) == (
        "hostname is required for edgeworker hosts."
    )


@pytest.mark.parametrize("changes", [{"hostname": "edge-01"}, {"mgmt_ip": "192.168.204.9"}])
def test_update_bare_host_fields_need_personality(changes):
    assert _invalid(rules.validate_update, BARE, changes, "duplex", STATIC) == (
        "hostname and mgmt_ip require a personality; set personality too."
    )


def test_update_hostname_and_ip_set_once():
    assert _invalid(rules.validate_update, WORKER, {"hostname": "worker-1"}, "duplex", DYN) == (
        "hostname cannot be changed once set (worker-0)."
    )
    assert _invalid(rules.validate_update, CURRENT, {"hostname": "edge-02"}, "duplex", DYN) == (
        "hostname cannot be changed once set (edge-01) for edgeworker hosts."
    )
    assert rules.validate_update(CURRENT, {"mgmt_ip": "192.168.204.1"}, "duplex", STATIC) == {}


def test_update_with_same_personality_and_unchanged_hostname():
    assert (
        rules.validate_update(
            CURRENT,
            {"personality": "edgeworker", "hostname": "edge-01", "mgmt_ip": "192.168.204.1"},
            "duplex",
            STATIC,
        )
        == {}
    )


def test_update_mgmt_mac():
    assert rules.validate_update(CURRENT, {"mgmt_mac": "52:54:00:AA:BB:01"}, "duplex", DYN) == {}
    assert rules.validate_update(CURRENT, {"mgmt_mac": "52:54:00:AA:BB:02"}, "duplex", DYN) == {
        "mgmt_mac": "52:54:00:aa:bb:02"
    }
    assert _invalid(rules.validate_update, CURRENT, {"mgmt_mac": "nope"}, "duplex", DYN) == (
        "mgmt_mac 'nope' is not a valid MAC address (expected e.g. 52:54:00:aa:bb:01)."
    )


# ---- actions and upgrades ----------------------------------------------------------------


def test_actions_by_personality():
    assert rules.validate_update(WORKER, {"action": "unlock"}, "duplex", DYN) == {
        "action": "unlock"
    }
    storage = dict(WORKER, personality="storage")
    assert rules.validate_update(storage, {"action": "lock"}, "standard", DYN) == {"action": "lock"}
    e = _err(
        exception.NotSupported, rules.validate_update, WORKER, {"action": "reboot"}, "duplex", DYN
    )
    assert (e.code, e.message) == (400, "Host action 'reboot' is not supported for worker hosts.")
    e = _err(exception.NotSupported, rules.validate_update, BARE, {"action": "lock"}, "duplex", DYN)
    assert e.message == "Host action 'lock' is not supported for unprovisioned hosts."
    e = _err(exception.NotSupported, rules.check_action, "controller", "lock")
    assert e.message == "Host action 'lock' is not supported for controller hosts."


def test_unknown_action_lists_every_action():
    assert _invalid(rules.validate_update, WORKER, {"action": "explode"}, "duplex", DYN) == (
        "action 'explode' is invalid; expected one of: %s." % ACTIONS
    )
    assert _invalid(rules.check_action, None, ["lock"]) == (
        "action '['lock']' is invalid; expected one of: %s." % ACTIONS
    )


@pytest.mark.parametrize(
    "pers,message",
    [
        (
            "edgeworker",
            "host-upgrade is not supported for edgeworker hosts; edgeworkers are "
            "upgraded by the provision_edgeworker upgrade play.",
        ),
        ("worker", "host-upgrade is not supported for worker hosts."),
        (None, "host-upgrade is not supported for unprovisioned hosts."),
        ("robot", "host-upgrade is not supported for robot hosts."),
    ],
)
def test_upgrade_messages(pers, message):
    e = _err(exception.NotSupported, rules.check_upgrade, pers, "host-upgrade")
    assert (e.code, e.message) == (400, message)


# ---- provisioning reports ----------------------------------------------------------------


def _report(**values):
    return rules.validate_provision_report(CURRENT, values)


def test_report_only_for_edgeworkers():
    e = _err(
        exception.Conflict,
        rules.validate_provision_report,
        WORKER,
        {"provision_state": "provisioning"},
    )
    assert (e.code, e.message) == (
        409,
        "Provisioning reports are accepted only for edgeworker hosts; worker-0 is a worker host.",
    )
    e = _err(
        exception.Conflict,
        rules.validate_provision_report,
        BARE,
        {"provision_state": "provisioning"},
    )
    assert e.message == (
        "Provisioning reports are accepted only for edgeworker hosts; "
        "52:54:00:aa:bb:01 is not provisioned (no personality)."
    )


@pytest.mark.parametrize("state", [None, ""])
def test_report_state_required(state):
    assert _invalid(_report, **{"provision_state": state}) == (
        "provision_state is required; expected one of: provisioning, provisioned, failed."
    )


def test_report_state_invalid():
    assert _invalid(_report, provision_state="done") == (
        "provision_state 'done' is invalid; expected one of: provisioning, provisioned, failed."
    )
    assert _invalid(_report, provision_state=7) == (
        "provision_state '7' is invalid; expected one of: provisioning, provisioned, failed."
    )


def test_report_provisioning():
    assert _report(provision_state="provisioning") == {
        "provision_state": "provisioning",
        "provision_step": None,
        "provision_error": None,
    }
    assert _report(
        provision_state="provisioning", provision_step="", provision_error="earlier"
    ) == {"provision_state": "provisioning", "provision_step": None, "provision_error": None}
    step = "s" * rules.PROVISION_STEP_MAX
    assert _report(
        provision_state="provisioning", provision_step=step, kubelet_version="v1.29.2"
    ) == {
        "provision_state": "provisioning",
        "provision_step": step,
        "provision_error": None,
        "kubelet_version": "v1.29.2",
    }


def test_report_text_fields_checked():
    assert _invalid(_report, provision_state="provisioning", provision_step=5) == (
        "provision_step must be a string."
    )
    assert _invalid(_report, provision_state="provisioning", provision_step="s" * 256) == (
        "provision_step is 256 characters long; the maximum is 255."
    )
    assert _invalid(_report, provision_state="failed", provision_error=["x"]) == (
        "provision_error must be a string."
    )
    assert _invalid(_report, provision_state="provisioned", kubelet_version=1.29) == (
        "kubelet_version must be a string."
    )
    assert _invalid(
        _report, provision_state="provisioned", kubelet_version="v1.29.2-" + "a" * 57
    ) == ("kubelet_version is 65 characters long; the maximum is 64.")


def test_report_failed_keeps_the_error():
    assert _report(provision_state="failed", provision_step="join", provision_error="boom") == {
        "provision_state": "failed",
        "provision_step": "join",
        "provision_error": "boom",
    }
    full = "e" * rules.PROVISION_ERROR_MAX
    assert _report(provision_state="failed", provision_error=full)["provision_error"] == full
    long = "0123456789" * 500
    cut = _report(provision_state="failed", provision_error=long)["provision_error"]
    assert cut == long[:4081] + " … (truncated)"
    for error in (None, ""):
        assert _invalid(_report, provision_state="failed", provision_error=error) == (
            "provision_error is required when provision_state is failed."
        )


@pytest.mark.parametrize("version", ["v1.29.2", "v1.31.14", "v1.30.0-rc.1", "v10.200.3000"])
def test_report_provisioned_versions(version):
    assert _report(provision_state="provisioned", kubelet_version=version) == {
        "provision_state": "provisioned",
        "provision_step": None,
        "provision_error": None,
        "kubelet_version": version,
    }


@pytest.mark.parametrize(
    "version",
    ["1.29.2", "v1.29", "v1.29.2.1", "v1.29.2-", "xv1.29.2", "v1.29.2 ", "v1.x.2", "v1.29.2-rc_1"],
)
def test_report_kubelet_version_invalid(version):
    assert _invalid(_report, provision_state="provisioned", kubelet_version=version) == (
        "kubelet_version '%s' is invalid; expected a Kubernetes version like v1.29.2." % version
    )


@pytest.mark.parametrize("version", [None, ""])
def test_report_provisioned_needs_version(version):
    assert _invalid(_report, provision_state="provisioned", kubelet_version=version) == (
        "kubelet_version is required when provision_state is provisioned."
    )
