"""The service endpoint from the service's own oslo.config files.

``system --config-file /etc/sysinv-edgeworker/sysinv-edgeworker.conf host-list``
(or ``--config-dir``) talks to the API that configuration describes: the
``[api] host_ip`` and ``port`` options (defaults 127.0.0.1 and 6385).  Only
used when neither ``--system-url`` nor ``SYSTEM_URL`` is given.  Read with the
standard library's configparser so start-up stays light (oslo.config is not
imported); files are read in oslo.config's order, later values winning.
"""

import configparser
import glob
import os

from cgtsclient_ext import exc

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6385
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # wildcard binds: ask loopback


def config_files(files=(), dirs=()):
    """``--config-file`` values, then each ``--config-dir``'s *.conf sorted."""
    paths = list(files or ())
    for directory in dirs or ():
        paths.extend(sorted(glob.glob(os.path.join(directory, "*.conf"))))
    return paths


def endpoint_from_config(files=(), dirs=()):
    """``http://<host_ip>:<port>`` from the files, or None when none is given."""
    paths = config_files(files, dirs)
    if not paths:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                parser.read_file(fh, source=path)
        except OSError as err:
            raise exc.CommandError(f"Cannot read config file {path}: {err.strerror or err}") \
                from None
        except configparser.Error as err:
            first = str(err).splitlines()[0]
            raise exc.CommandError(f"Cannot parse config file {path}: {first}") from None
    host = parser.get("api", "host_ip", fallback=DEFAULT_HOST).strip() or DEFAULT_HOST
    port = parser.get("api", "port", fallback=str(DEFAULT_PORT)).strip()
    if not port.isdigit():
        raise exc.CommandError(f"[api] port {port!r} in the config files is not a port number")
    host = _WILDCARDS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port)}"
