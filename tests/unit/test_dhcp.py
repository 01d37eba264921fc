"""dnsmasq files: atomic rendering, SIGHUP, and no half-done host when a write fails."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from sysinv_edgeworker.common import exception
from sysinv_edgeworker.conductor import dhcp
from tests.unit.api_helpers import MAC1, edgeworker, fault, hostsfile, post

RES = [("52:54:00:aa:bb:01", "192.168.204.1", "edge-01"),
       ("52:54:00:aa:bb:02", "192.168.204.5", "edge-02")]


def test_render():
    assert dhcp.render_hostsfile(RES) == ("52:54:00:aa:bb:01,192.168.204.1,edge-01\n"
                                          "52:54:00:aa:bb:02,192.168.204.5,edge-02\n")
    assert dhcp.render_addn_hosts(RES) == "192.168.204.1 edge-01\n192.168.204.5 edge-02\n"


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    files = dhcp.DnsmasqFiles(str(tmp_path / "hosts"), str(tmp_path / "addn"),
                              str(tmp_path / "none.pid"))
    (tmp_path / "hosts").write_text("old\n")
    inode = os.stat(tmp_path / "hosts").st_ino
    files.write(lambda: RES)
    assert (tmp_path / "hosts").read_text().count("\n") == 2
    assert os.stat(tmp_path / "hosts").st_ino != inode  # replaced by rename, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["addn", "hosts", "hosts.lock"]


def test_failed_write_raises_and_keeps_old_file(tmp_path):
    (tmp_path / "hosts").write_text("old\n")
    files = dhcp.DnsmasqFiles(str(tmp_path / "hosts"), str(tmp_path / "missing" / "addn"),
                              str(tmp_path / "none.pid"))
    with pytest.raises(exception.DhcpWriteError) as err:
        files.write(lambda: RES)
    assert "Cannot write the DHCP reservation files" in err.value.message
    assert "missing" in err.value.message


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
        files = dhcp.DnsmasqFiles(str(tmp_path / "h"), str(tmp_path / "a"),
                                  str(tmp_path / "dnsmasq.pid"))
        files.write(lambda: RES)
        assert _wait_text(out, "1") == "1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)


def test_dnsmasq_signalled_once_per_change_that_alters_the_files(api, tmp_path):
    """One SIGHUP after each host change that alters the reservations (after the commit),
    none when the files stay the same."""
    proc, out = _hup_counter(tmp_path)
    try:
        (tmp_path / "dnsmasq.pid").write_text("%d\n" % proc.pid)
        from sysinv_edgeworker.conductor import local
        local._MANAGER.hosts.dhcp.pid_file = str(tmp_path / "dnsmasq.pid")
        post(api, {"mgmt_mac": "52:54:00:aa:bb:09"})  # no hostname, no address: no line
        time.sleep(0.3)
        assert out.read_text() == "0"
        post(api, edgeworker())
        assert _wait_text(out, "1") == "1"
        api.patch_json("/v1/ihosts/edge-01", [{"op": "replace", "path": "/location",
                                               "value": {"name": "rack 4"}}])  # not in them
        api.delete("/v1/ihosts/edge-01", status=204)
        assert _wait_text(out, "2") == "2"
        time.sleep(0.3)
        assert out.read_text() == "2"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(5)


def test_failed_change_does_not_drop_a_concurrent_writers_reservation(api, conf):
    """A unit of work that fails renders the files again from committed state. That render
    must wait for a writer that has rendered its change but not committed it yet (both hold
    the writers lock); rendering at once would write the state from before that writer and
    lose its reservation, as nothing renders the files after its commit."""
    from sysinv_edgeworker.conductor import local
    hosts = local._MANAGER.hosts
    rendered, release = threading.Event(), threading.Event()
    real_write = hosts.dhcp.write

    def write_then_pause(reservations_fn, reload=True):
        changed = real_write(reservations_fn, reload=reload)
        if threading.current_thread().name == "writer":
            rendered.set()
            release.wait(10)
        return changed

    hosts.dhcp.write = write_then_pause
    writer = threading.Thread(target=hosts.create, args=(edgeworker(),), name="writer")
    writer.start()
    assert rendered.wait(10)
    # What the failed unit of work calls (hosts.py _unit_of_work), while the writer holds
    # its transaction open with its line already in the files.
    failed = threading.Thread(target=hosts.resync_dhcp, kwargs={"quiet": True, "reload": False})
    failed.start()
    failed.join(0.5)
    assert failed.is_alive(), "the re-render did not wait for the writer's transaction"
    release.set()
    writer.join(10)
    failed.join(10)
    assert [line.split(",")[2] for line in hostsfile(conf)] == ["edge-01"]
    assert [h["hostname"] for h in api.get("/v1/ihosts").json["ihosts"]] == ["edge-01"]


def test_missing_or_stale_pid_file_is_not_an_error(tmp_path):
    files = dhcp.DnsmasqFiles(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "x.pid"))
    assert files.reload() is False
    files.write(lambda: RES)  # no pid file: files written, no error
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    (tmp_path / "x.pid").write_text(str(proc.pid))
    assert files.reload() is False
    (tmp_path / "x.pid").write_text("garbage")
    assert files.reload() is False


def test_failed_dhcp_write_leaves_nothing_half_done(api, conf, db):
    post(api, edgeworker())
    before = hostsfile(conf)
    conf.set_override("addn_hosts", str(conf.state_path) + "/no-such-dir/addn", group="dhcp")
    # the manager captured its paths at start; point its files object at the broken path
    from sysinv_edgeworker.conductor import local
    local._MANAGER.hosts.dhcp.addn_hosts = conf.dhcp.addn_hosts
    r = post(api, edgeworker("edge-02", "52:54:00:aa:bb:02"), status=503)
    assert fault(r).startswith("Cannot write the DHCP reservation files")
    assert [h["hostname"] for h in api.get("/v1/ihosts").json["ihosts"]] == ["edge-01"]
    pool = db.pool_list()[0]
    assert [a.name for a in db.address_list(pool.id) if a.host_id] == ["edge-01-mgmt"]
    assert hostsfile(conf) == before
    # delete is refused the same way and keeps host, address and reservation
    r = api.delete("/v1/ihosts/edge-01", status=503)
    assert api.get("/v1/ihosts/edge-01").json["mgmt_ip"] == "192.168.204.5"
    assert hostsfile(conf) == before
    # once the path works again, everything proceeds and the hint was not corrupted
    local._MANAGER.hosts.dhcp.addn_hosts = str(conf.state_path) + "/addn"
    assert post(api, edgeworker("edge-02", "52:54:00:aa:bb:02")).json["mgmt_ip"] == \
        "192.168.204.6"
    assert MAC1 in hostsfile(conf)[0]


def test_release_runs_dhcp_release_style_command(tmp_path):
    record = tmp_path / "argv"
    script = tmp_path / "fake_release"
    script.write_text("#!/bin/sh\necho \"$@\" > %s\n" % record)
    script.chmod(0o755)
    files = dhcp.DnsmasqFiles(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"),
                              release_interface="eth1", release_command=str(script))
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is True
    assert record.read_text() == "eth1 192.168.204.5 52:54:00:aa:bb:01\n"


def test_release_not_configured_or_failing_is_not_an_error(tmp_path):
    files = dhcp.DnsmasqFiles(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"))
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
    files = dhcp.DnsmasqFiles(str(tmp_path / "h"), str(tmp_path / "a"), str(tmp_path / "p"),
                              release_interface="eth1", release_command="false")
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
    files.release_command = [str(tmp_path / "missing-binary")]
    assert files.release("192.168.204.5", "52:54:00:aa:bb:01") is False
