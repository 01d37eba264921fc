"""dnsmasq reservations, one file per host: atomic writes, SIGHUP only when dnsmasq needs
it, convergence at start, and no half-done host when a write or the commit fails."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import dhcp
from tests.unit.api_helpers import MAC1, MAC2, addn_hosts, edgeworker, fault, hostsfile, post

U1 = "0b5e4c1e-1111-4c1e-9d1e-0000000000a1"
U2 = "0b5e4c1e-2222-4c1e-9d1e-0000000000a2"
RES = ("52:54:00:aa:bb:01", "192.168.204.5", "edge-01")


def _dirs(tmp_path, pid="none.pid"):
    for d in ("h", "a"):
        (tmp_path / d).mkdir(exist_ok=True)
    return dhcp.DnsmasqDirs(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / pid))


def _names(directory):
    return sorted(os.listdir(directory))


def test_render():
    assert dhcp.render_dhcp_host(*RES) == "52:54:00:aa:bb:01,192.168.204.5,edge-01\n"
    assert dhcp.render_addn_host("192.168.204.5", "edge-01") == "192.168.204.5 edge-01\n"


@pytest.mark.parametrize("bad", ["../etc/passwd", "edge-01", "", U1 + "/x", "." + U1,
                                 U1.replace("-", "_")])
def test_file_name_is_a_host_uuid_only(bad):
    assert dhcp.file_name(U1.upper()) == U1
    with pytest.raises(ValueError):
        dhcp.file_name(bad)


def test_put_writes_only_that_hosts_two_files_by_rename(tmp_path):
    files = _dirs(tmp_path)
    (tmp_path / "h" / U2).write_text("52:54:00:aa:bb:02,192.168.204.6,edge-02\n")
    other = os.stat(tmp_path / "h" / U2)
    changes = files.put(U1, RES, [])
    assert (tmp_path / "h" / U1).read_text() == "52:54:00:aa:bb:01,192.168.204.5,edge-01\n"
    assert (tmp_path / "a" / U1).read_text() == "192.168.204.5 edge-01\n"
    assert oct(os.stat(tmp_path / "h" / U1).st_mode & 0o777) == "0o644"
    assert _names(tmp_path / "h") == sorted([U1, U2]) and _names(tmp_path / "a") == [U1]
    assert os.stat(tmp_path / "h" / U2) == other  # the other host's file untouched
    assert changes == [(str(tmp_path / "h" / U1), None), (str(tmp_path / "a" / U1), None)]
    assert files.needs_reload(changes) is False  # new files: dnsmasq reads them by itself

    inode = os.stat(tmp_path / "h" / U1).st_ino
    assert files.put(U1, RES, []) == []  # unchanged: not rewritten
    changes = files.put(U1, ("52:54:00:aa:bb:09",) + RES[1:], [])
    assert os.stat(tmp_path / "h" / U1).st_ino != inode  # replaced by rename
    assert files.needs_reload(changes) is True  # dnsmasq keeps the old MAC's record till HUP
    changes = files.put(U1, None, [])
    assert _names(tmp_path / "h") == [U2] and _names(tmp_path / "a") == []
    assert files.needs_reload(changes) is True


def test_failed_put_raises_and_undo_takes_the_written_file_back(tmp_path):
    files = _dirs(tmp_path)
    files.addn_hostsdir = str(tmp_path / "missing")
    changes = []
    with pytest.raises(exception.DhcpWriteError) as err:
        files.put(U1, RES, changes)
    assert "Cannot write the DHCP reservation files" in err.value.message
    assert "missing" in err.value.message
    assert _names(tmp_path / "h") == [U1]  # the first file was written before the failure
    assert files.undo(changes) is True
    assert _names(tmp_path / "h") == []


def test_converge_makes_the_directories_exactly_the_reservations(tmp_path):
    files = _dirs(tmp_path)
    stale = "0b5e4c1e-3333-4c1e-9d1e-0000000000a3"
    (tmp_path / "h" / stale).write_text("52:54:00:aa:bb:03,192.168.204.7,gone\n")
    (tmp_path / "a" / stale).write_text("192.168.204.7 gone\n")
    (tmp_path / "h" / U2).write_text("52:54:00:aa:bb:99,192.168.204.6,edge-02\n")  # changed
    (tmp_path / "h" / (".%s.tmpxyz" % U1)).write_text("half")  # a crash's leftover
    (tmp_path / "a" / "operator-notes").write_text("10.0.0.1 other\n")  # not ours: kept
    rows = [(U1,) + RES, (U2, "52:54:00:aa:bb:02", "192.168.204.6", "edge-02")]
    assert files.converge(rows) is True
    assert _names(tmp_path / "h") == sorted([U1, U2])
    assert _names(tmp_path / "a") == sorted([U1, U2, "operator-notes"])
    assert (tmp_path / "h" / U2).read_text() == "52:54:00:aa:bb:02,192.168.204.6,edge-02\n"
    assert (tmp_path / "a" / U1).read_text() == "192.168.204.5 edge-01\n"
    assert files.converge(rows) is False  # already converged
    assert files.converge([]) is True
    assert _names(tmp_path / "h") == [] and _names(tmp_path / "a") == ["operator-notes"]


def test_converge_creates_missing_directories(tmp_path):
    files = dhcp.DnsmasqDirs(str(tmp_path / "x" / "h"), str(tmp_path / "x" / "a"), "none")
    files.converge([(U1,) + RES])
    assert _names(tmp_path / "x" / "h") == [U1] and _names(tmp_path / "x" / "a") == [U1]
    assert oct(os.stat(tmp_path / "x" / "h").st_mode & 0o777) == "0o755"


@pytest.mark.parametrize("old,new", [("hostsfile", "dhcp-hostsdir"),
                                     ("addn_hosts", "hostsdir")])
def test_replaced_single_file_option_is_a_start_up_error(conf, old, new):
    conf.set_override(old, "/var/lib/x/old-file", group="dhcp")
    with pytest.raises(exception.ConfigurationError) as err:
        dhcp.from_conf(conf)
    assert "[dhcp] %s is no longer supported" % old in err.value.message
    assert "=/var/lib/x/old-file with %s=%s/" % (new, conf.state_path) in err.value.message


def _hup_counter(tmp_path):
    """A real process that counts the SIGHUPs it receives (as dnsmasq re-reads on HUP)."""
    out = tmp_path / "hups"
    code = ("import signal,sys,time\n"
            "n=[0]\n"
            "def h(*a):\n n[0]+=1; open(sys.argv[1],'w').write(str(n[0]))\n"
            "signal.signal(signal.SIGHUP,h)\n"
            "open(sys.argv[1],'w').write('0')\n"
            "while True: time.sleep(0.05)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(out)])
    for _ in range(100):
        if out.exists():
            break
        time.sleep(0.05)
    return proc, out


def _wait_text(path, text):
    for _ in range(100):
        if path.read_text() == text:
            break
        time.sleep(0.05)
    return path.read_text()


def test_sighup_to_pid_in_pid_file(tmp_path):
    proc, out = _hup_counter(tmp_path)
    try:
        (tmp_path / "dnsmasq.pid").write_text("%d\n" % proc.pid)
        assert _dirs(tmp_path, "dnsmasq.pid").reload() is True
        assert _wait_text(out, "1") == "1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)


@pytest.fixture
def hup(api, tmp_path):
    """A SIGHUP counter whose pid the running manager signals; yields the count file."""
    proc, out = _hup_counter(tmp_path)
    try:
        (tmp_path / "dnsmasq.pid").write_text("%d\n" % proc.pid)
        from sysinv_edgeworker.conductor import local
        local._MANAGER.hosts.dhcp.pid_file = str(tmp_path / "dnsmasq.pid")
        yield out
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)


def _no_more_hups(out, count):
    time.sleep(0.3)
    return out.read_text() == count


def test_dnsmasq_signalled_only_when_a_file_it_read_is_replaced_or_removed(api, hup):
    """A new host's files are read by dnsmasq itself (no signal); a replaced (MAC change) or
    removed (delete) file needs a SIGHUP, sent once, after the commit."""
    post(api, {"mgmt_mac": "52:54:00:aa:bb:09"})  # no hostname, no address: no files
    post(api, edgeworker())
    assert _no_more_hups(hup, "0")
    api.patch_json("/v1/ihosts/edge-01", [{"op": "replace", "path": "/location",
                                           "value": {"name": "rack 4"}}])  # not in them
    assert _no_more_hups(hup, "0")
    api.patch_json("/v1/ihosts/edge-01", [{"op": "replace", "path": "/mgmt_mac",
                                           "value": MAC2}])
    assert _wait_text(hup, "1") == "1"
    api.delete("/v1/ihosts/edge-01", status=204)
    assert _wait_text(hup, "2") == "2"
    assert _no_more_hups(hup, "2")


def test_host_add_touches_no_other_hosts_file(api, conf):
    """Adding a host is not a pass over every host: a file the database does not hold (which
    a full render would remove) stays until the next start-up converges."""
    stale = "0b5e4c1e-3333-4c1e-9d1e-0000000000a3"
    with open(os.path.join(conf.dhcp.hostsdir, stale), "w") as f:
        f.write("52:54:00:aa:bb:03,192.168.204.77,gone\n")
    post(api, edgeworker())
    uuid = api.get("/v1/ihosts/edge-01").json["uuid"]
    assert _names(conf.dhcp.hostsdir) == sorted([stale, uuid])
    assert _names(conf.dhcp.addn_hostsdir) == [uuid]
    from sysinv_edgeworker.conductor import local
    assert local._MANAGER.hosts.resync_dhcp() is True  # what start-up does
    assert _names(conf.dhcp.hostsdir) == [uuid]
    assert hostsfile(conf) == ["%s,192.168.204.5,edge-01" % MAC1]
    assert addn_hosts(conf) == ["192.168.204.5 edge-01"]


def test_start_up_converges_to_the_database(api, conf):
    post(api, edgeworker())
    post(api, edgeworker("edge-02", MAC2))
    uuids = {h["hostname"]: h["uuid"] for h in api.get("/v1/ihosts").json["ihosts"]}
    os.unlink(os.path.join(conf.dhcp.hostsdir, uuids["edge-01"]))  # missing
    with open(os.path.join(conf.dhcp.addn_hostsdir, uuids["edge-02"]), "w") as f:
        f.write("10.0.0.9 wrong\n")  # changed
    from sysinv_edgeworker.conductor import manager as manager_mod
    manager_mod.ConductorManager(conf).start()  # a second conductor starting
    assert hostsfile(conf) == ["%s,192.168.204.5,edge-01" % MAC1,
                               "%s,192.168.204.6,edge-02" % MAC2]
    assert addn_hosts(conf) == ["192.168.204.5 edge-01", "192.168.204.6 edge-02"]


def test_start_up_converge_waits_for_a_writer_that_has_not_committed(api, conf):
    """Converging reads committed state and removes files it does not hold. It must wait
    for a writer that has written its host's files but not committed yet (both hold the
    writers lock): converging at once would remove that host's fresh files, and nothing
    would write them again."""
    from sysinv_edgeworker.conductor import local
    hosts = local._MANAGER.hosts
    written, release = threading.Event(), threading.Event()
    real_put = hosts.dhcp.put

    def put_then_pause(host_uuid, reservation, changes):
        real_put(host_uuid, reservation, changes)
        if threading.current_thread().name == "writer":
            written.set()
            release.wait(10)
        return changes

    hosts.dhcp.put = put_then_pause
    writer = threading.Thread(target=hosts.create, args=(edgeworker(),), name="writer")
    writer.start()
    assert written.wait(10)
    converge = threading.Thread(target=hosts.resync_dhcp)
    converge.start()
    converge.join(0.5)
    assert converge.is_alive(), "converge did not wait for the writer's transaction"
    release.set()
    writer.join(10)
    converge.join(10)
    assert [line.split(",")[2] for line in hostsfile(conf)] == ["edge-01"]
    assert [h["hostname"] for h in api.get("/v1/ihosts").json["ihosts"]] == ["edge-01"]


def test_missing_or_stale_pid_file_is_not_an_error(tmp_path):
    files = _dirs(tmp_path, "x.pid")
    assert files.reload() is False
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    (tmp_path / "x.pid").write_text(str(proc.pid))
    assert files.reload() is False
    (tmp_path / "x.pid").write_text("garbage")
    assert files.reload() is False


def test_failed_dhcp_write_leaves_nothing_half_done(api, conf, db):
    post(api, edgeworker())
    before = hostsfile(conf), addn_hosts(conf)
    from sysinv_edgeworker.conductor import local
    files = local._MANAGER.hosts.dhcp
    broken = os.path.join(str(conf.state_path), "not-a-directory")
    with open(broken, "w"):
        pass
    files.addn_hostsdir = broken
    r = post(api, edgeworker("edge-02", MAC2), status=503)
    assert fault(r).startswith("Cannot write the DHCP reservation files: %s/" % broken)
    assert [h["hostname"] for h in api.get("/v1/ihosts").json["ihosts"]] == ["edge-01"]
    pool = db.pool_list()[0]
    assert [a.name for a in db.address_list(pool.id) if a.host_id] == ["edge-01-mgmt"]
    # the dhcp-hostsdir file, written before the failing one, was taken back
    assert hostsfile(conf) == before[0] and len(os.listdir(conf.dhcp.hostsdir)) == 1
    # delete is refused the same way and keeps host, address and reservation
    r = api.delete("/v1/ihosts/edge-01", status=503)
    assert fault(r).startswith("Cannot write the DHCP reservation files: %s/" % broken)
    files.addn_hostsdir = conf.dhcp.addn_hostsdir
    assert api.get("/v1/ihosts/edge-01").json["mgmt_ip"] == "192.168.204.5"
    assert (hostsfile(conf), addn_hosts(conf)) == before
    # once the path works again, everything proceeds
    assert post(api, edgeworker("edge-02", MAC2)).json["mgmt_ip"] == "192.168.204.6"
    assert MAC1 in hostsfile(conf)[0] and MAC2 in hostsfile(conf)[1]


@pytest.mark.parametrize("database_readable", [True, False])
def test_failure_after_the_files_are_written_takes_them_back(api, conf, hup,
                                                             database_readable):
    """The unit of work fails after the host's files are written (as a failed commit
    would): the host is not created, its files are gone again, and dnsmasq, which may have
    read them already, is signalled. If the database cannot be read to re-render them, the
    files are restored to what they held before."""
    from sysinv_edgeworker.conductor import local
    hosts = local._MANAGER.hosts
    real_put, real_reservation = hosts.dhcp.put, hosts.dbapi.dhcp_reservation
    calls = []

    def put_then_fail(host_uuid, reservation, changes):
        real_put(host_uuid, reservation, changes)
        if not calls:
            calls.append(host_uuid)
            assert len(os.listdir(conf.dhcp.hostsdir)) == 1  # written
            raise exception.ServiceUnavailable(reason="commit failed")
        return changes

    def reservation(host_uuid):
        if calls and not database_readable:
            raise exception.ServiceUnavailable(reason="commit failed")
        return real_reservation(host_uuid)

    hosts.dhcp.put = put_then_fail
    hosts.dbapi.dhcp_reservation = reservation
    try:
        post(api, edgeworker(), status=503)
    finally:
        hosts.dbapi.dhcp_reservation = real_reservation
    assert api.get("/v1/ihosts").json["ihosts"] == []
    assert os.listdir(conf.dhcp.hostsdir) == [] and os.listdir(conf.dhcp.addn_hostsdir) == []
    assert _wait_text(hup, "1") == "1"


def test_release_runs_dhcp_release_style_command(tmp_path):
    record = tmp_path / "argv"
    script = tmp_path / "fake_release"
    script.write_text("#!/bin/sh\necho \"$@\" > %s\n" % record)
    script.chmod(0o755)
    files = dhcp.DnsmasqDirs(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"),
                             release_interface="eth1", release_command=str(script))
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is True
    assert record.read_text() == "eth1 192.168.204.5 52:54:00:aa:bb:01\n"


def test_release_not_configured_or_failing_is_not_an_error(tmp_path):
    files = dhcp.DnsmasqDirs(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"))
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
    files = dhcp.DnsmasqDirs(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"),
                             release_interface="eth1", release_command="false")
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
    files.release_command = [str(tmp_path / "missing-binary")]
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
