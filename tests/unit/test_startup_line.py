"""The start-up line's masking of passwords and its list of configuration files (the line
itself is read from real processes in tests/functional/test_startup_line.py)."""

import pytest

from sysinv_edgeworker.cmd import service


@pytest.mark.parametrize("url,masked", [
    ("postgresql+psycopg2://edge:s3cret@db:5432/inv", "postgresql+psycopg2://edge:***@db:5432/inv"),
    ("postgresql://edge:p@ss:w0rd@db/inv", "postgresql://edge:***@db/inv"),  # '@' and ':'
    ("rabbit://u:pw1@h1:5672,v:pw2@h2:5672/vhost", "rabbit://u:***@h1:5672,v:***@h2:5672/vhost"),
    ("rabbit://guest@h1:5672/", "rabbit://guest@h1:5672/"),  # no password: unchanged
    ("sqlite:////var/lib/x/db.sqlite", "sqlite:////var/lib/x/db.sqlite"),
    (None, None),
])
def test_mask_url(url, masked):
    assert service.mask_url(url) == masked


def _private_conf():
    """The options the line reads, on a ConfigOpts of its own (parsing the global CONF again
    would validate options other tests registered)."""
    from oslo_config import cfg
    from oslo_db import options as db_options

    from sysinv_edgeworker.conf import DEFAULT_CONNECTION, api, default
    conf = cfg.ConfigOpts()
    default.register(conf)
    api.register(conf)
    db_options.set_defaults(conf, connection=DEFAULT_CONNECTION)
    return conf


def test_line_lists_config_files_and_dirs_and_masks_the_database(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.conf").write_text("")
    (tmp_path / "d" / "a.conf").write_text("")
    (tmp_path / "d" / "notes.txt").write_text("")
    main = tmp_path / "main.conf"
    main.write_text("[DEFAULT]\nstate_path = /srv/ew\n"
                    "[database]\nconnection = postgresql://edge:hunter2@db/inv\n")
    conf = _private_conf()
    conf(["--config-file", str(main), "--config-dir", str(tmp_path / "d")],
         project="sysinv-edgeworker")
    line = service.startup_line(conf, "api")
    assert "hunter2" not in line
    assert line == ("sysinv-edgeworker api starting; configuration: %s, %s, %s; state_path: "
                    "/srv/ew; database: postgresql://edge:***@db/inv; API: "
                    "http://127.0.0.1:6385/; rpc_transport: none"
                    % (main, tmp_path / "d" / "a.conf", tmp_path / "d" / "b.conf"))
