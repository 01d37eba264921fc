"""The endpoint from the service's oslo.config files (--config-file/--config-dir)."""

import pytest

from cgtsclient_ext import exc
from cgtsclient_ext.config import endpoint_from_config


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_no_files_no_endpoint():
    assert endpoint_from_config([], []) is None


def test_api_section(tmp_path):
    conf = _write(tmp_path / "a.conf", "[DEFAULT]\nstate_path = $HOME/x\n"
                                       "[api]\nhost_ip = 10.0.0.5\nport = 16385\n")
    assert endpoint_from_config([conf]) == "http://10.0.0.5:16385"


def test_defaults_and_wildcards(tmp_path):
    assert endpoint_from_config([_write(tmp_path / "e.conf", "[DEFAULT]\n")]) == \
        "http://127.0.0.1:6385"
    assert endpoint_from_config([_write(tmp_path / "w.conf", "[api]\nhost_ip = 0.0.0.0\n")]) \
        == "http://127.0.0.1:6385"
    assert endpoint_from_config([_write(tmp_path / "6.conf", "[api]\nhost_ip = ::\n")]) == \
        "http://[::1]:6385"


def test_later_files_and_dirs_win(tmp_path):
    first = _write(tmp_path / "first.conf", "[api]\nport = 1111\n")
    d = tmp_path / "conf.d"
    d.mkdir()
    _write(d / "10-port.conf", "[api]\nport = 2222\n")
    _write(d / "20-port.conf", "[api]\nport = 3333\n")
    _write(d / "ignored.txt", "[api]\nport = 4444\n")
    assert endpoint_from_config([first], [str(d)]) == "http://127.0.0.1:3333"


@pytest.mark.parametrize("text,message", [
    ("[api]\nport = http\n", "[api] port 'http' in the config files is not a port number"),
    ("port = 1\n", "Cannot parse config file"),
])
def test_bad_files(tmp_path, text, message):
    with pytest.raises(exc.CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        endpoint_from_config([_write(tmp_path / "bad.conf", text)])


def test_missing_file(tmp_path):
    with pytest.raises(exc.CommandError, match="Cannot read config file"):
        endpoint_from_config([str(tmp_path / "nope.conf")])
