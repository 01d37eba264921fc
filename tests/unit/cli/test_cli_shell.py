"""The ``system`` argument parser: commands, flags, help, usage errors (no server)."""

import subprocess
import sys

import pytest

from cgtsclient_ext import shell

COMMANDS = ["host-add", "host-update", "host-list", "host-show", "host-delete",
            "addrpool-list", "addrpool-show", "network-list", "network-show", "show",
            "edgeworker-inventory", "kube-version-list", "kube-version-show",
            "kube-host-upgrade-list", "host-wg-key-revoke"]


def _parse(*argv):
    return shell.build_parser().parse_args(list(argv))


def test_host_add_flags_match_cgtsclient():
    args = _parse("host-add", "-n", "edge-01", "-p", "edgeworker", "-m",
                  "52:54:00:aa:bb:01", "-i", "192.168.204.9", "-l", "rack 3")
    assert (args.hostname, args.personality, args.mgmt_mac, args.mgmt_ip, args.location) == \
        ("edge-01", "edgeworker", "52:54:00:aa:bb:01", "192.168.204.9", "rack 3")
    long = _parse("host-add", "--hostname", "e", "--personality", "worker",
                  "--mgmt_mac", "m", "--mgmt_ip", "i", "--location", "l")
    assert (long.hostname, long.personality, long.mgmt_mac, long.mgmt_ip, long.location) == \
        ("e", "worker", "m", "i", "l")


def test_host_add_personality_choices(capsys):
    for p in ("controller", "worker", "storage", "edgeworker"):
        assert _parse("host-add", "-p", p).personality == p
    with pytest.raises(SystemExit) as err:
        _parse("host-add", "-p", "network")
    assert err.value.code == 2
    assert "invalid choice: 'network'" in capsys.readouterr().err


def test_column_repeatable_and_format():
    args = _parse("host-list", "-c", "hostname", "--column", "mgmt_ip", "--format", "value")
    assert args.column == ["hostname", "mgmt_ip"] and args.format == "value"
    assert _parse("host-show", "edge-01").format == "table"
    assert _parse("host-add", "--column", "uuid").column == ["uuid"]


def test_host_update_builds_pairs_and_rejects_malformed(capsys):
    args = _parse("host-update", "3", "hostname=edge-01", "personality=edgeworker")
    assert args.hostnameorid == "3"
    assert args.attributes == [("/hostname", "edge-01"), ("/personality", "edgeworker")]
    with pytest.raises(SystemExit) as err:
        shell.main(["host-update", "3", "hostname=edge-01", "personality"])
    assert err.value.code == 2
    assert ("malformed attribute 'personality': expected <attribute>=<value>"
            in capsys.readouterr().err)


def test_host_add_tunnel_flags(capsys):
    args = _parse("host-add", "-n", "e", "-p", "edgeworker", "-m", "m", "--mgmt_attach",
                  "tunnel", "--wg_public_key", "k")
    assert (args.mgmt_attach, args.wg_public_key) == ("tunnel", "k")
    with pytest.raises(SystemExit) as err:
        _parse("host-add", "--mgmt_attach", "wan")
    assert err.value.code == 2
    assert "invalid choice: 'wan'" in capsys.readouterr().err


def test_host_delete_takes_several():
    assert _parse("host-delete", "a", "b", "3").hostnameorid == ["a", "b", "3"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as err:
        shell.main([command, "--help"])
    assert err.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: system {command}")
    assert len(out.splitlines()) > 3


def test_no_arguments_prints_help(capsys):
    assert shell.main([]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


def test_help_command(capsys):
    assert shell.main(["help", "host-update"]) == 0
    assert "usage: system host-update" in capsys.readouterr().out
    assert shell.main(["help", "nope"]) == 1
    assert capsys.readouterr().err == "'nope' is not a valid subcommand\n"


def test_unknown_command_is_usage_error(capsys):
    with pytest.raises(SystemExit) as err:
        shell.main(["host-frobnicate"])
    assert err.value.code == 2


def test_endpoint_and_credentials_from_environment(monkeypatch):
    monkeypatch.setenv("SYSTEM_URL", "http://10.9.9.9:6385")
    monkeypatch.setenv("OS_USERNAME", "admin")
    monkeypatch.setenv("OS_PASSWORD", "s3cret")
    monkeypatch.setenv("OS_AUTH_TOKEN", "tok")
    args = _parse("host-list")
    assert (args.system_url, args.os_username, args.os_password, args.os_auth_token) == \
        ("http://10.9.9.9:6385", "admin", "s3cret", "tok")
    args = _parse("--system-url", "http://a:1", "--os_username", "u", "host-list")
    assert (args.system_url, args.os_username) == ("http://a:1", "u")


def test_help_never_shows_secret_values(monkeypatch, capsys):
    monkeypatch.setenv("OS_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("OS_AUTH_TOKEN", "s3cret-tok")
    shell.main([])
    out = capsys.readouterr().out
    assert "s3cret" not in out


def test_start_up_imports_stay_light():
    """Parsing and building the client must not pull in prettytable, PyYAML or
    the service's own packages (figures: benchmarks/cli_startup.py)."""
    code = ("import sys; from cgtsclient_ext import shell, client; "
            "shell.build_parser().parse_args(['host-list']); "
            "client.get_client('http://127.0.0.1:1'); "
            "print(sorted(m for m in ('prettytable', 'yaml', 'sysinv_edgeworker', "
            "'requests', 'oslo_config') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_host_show_prints_cgtsclients_fields_then_ours():
    """cgtsclient's _print_ihost_show (iHost_shell.py): its field list, subfunctions only
    when it differs from the personality, peers only when set; sysinv's sub-collection
    links and ids are not shown; the edgeworker's own fields follow."""
    from cgtsclient_ext.v1 import base, ihost_shell
    info = {f: None for f in ihost_shell.CGTS_SHOW_FIELDS}
    info.update(personality="edgeworker", subfunctions="edgeworker", peers=None,
                iinterfaces=[], isystem_uuid="u", forisystemid=1, links=[], ttys_dcd=None,
                mgmt_ip="192.168.204.5", provision_state="provisioned")
    shown = list(ihost_shell._show_data(base.Resource(info), None))
    assert shown[:len(ihost_shell.CGTS_SHOW_FIELDS)] == ihost_shell.CGTS_SHOW_FIELDS
    assert shown[len(ihost_shell.CGTS_SHOW_FIELDS):] == ["ttys_dcd", "mgmt_ip",
                                                        "provision_state"]
    info.update(personality="controller", subfunctions="controller,worker",
                subfunction_oper="enabled", subfunction_avail="available",
                peers={"name": "group-0", "hosts": ["controller-0"]})
    shown = list(ihost_shell._show_data(base.Resource(info), None))
    assert shown[len(ihost_shell.CGTS_SHOW_FIELDS):][:4] == [
        "subfunctions", "subfunction_oper", "subfunction_avail", "peers"]
    assert ihost_shell._show_data(base.Resource(info), ["iinterfaces"]) == {"iinterfaces": []}
