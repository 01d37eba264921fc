"""Small helpers shared by the shell modules: environment look-ups and
``attribute=value`` parsing."""

import argparse
import os
import re

# An attribute name as cgtsclient accepts it: optionally "/"-prefixed path of
# word characters (e.g. "hostname", "/personality", "location/locn").
_ATTR_RE = re.compile(r"^/?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z0-9_]+)*$")


def env(*names, default=""):
    """The first non-empty environment variable among ``names``."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return default


def parse_attribute(text):
    """``"hostname=edge-01"`` -> ``("/hostname", "edge-01")``.

    Used as an argparse ``type=``: a malformed pair is a usage error (exit 2)
    and nothing is sent to the service.  The value is kept as a string, as
    cgtsclient sends it; it may be empty and may contain "=".
    """
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"malformed attribute {text!r}: expected <attribute>=<value>, e.g. hostname=edge-01")
    if not _ATTR_RE.match(name):
        raise argparse.ArgumentTypeError(
            f"malformed attribute {text!r}: {name!r} is not an attribute name")
    if not name.startswith("/"):
        name = "/" + name
    return name, value


def attributes_to_patch(pairs, op="replace"):
    """[("/hostname", "edge-01"), ...] -> a JSON-patch list of ``op`` operations."""
    return [{"op": op, "path": path, "value": value} for path, value in pairs]


def arg(*args, **kwargs):
    """Decorator recording an argparse argument for a ``do_*`` command
    (the same convention as cgtsclient's shell modules)."""
    def _decorator(func):
        func.__dict__.setdefault("arguments", []).insert(0, (args, kwargs))
        return func
    return _decorator


def output_options(short_column=True):
    """Decorator adding ``--column`` (repeatable) and ``--format`` to a command."""
    column_flags = ("-c", "--column") if short_column else ("--column",)

    def _decorator(func):
        arg(*column_flags, action="append", default=[], metavar="<column>",
            help="Specify the column(s) to include, can be repeated")(func)
        arg("--format", choices=("table", "yaml", "value"), default="table",
            help="Specify the output format, defaults to table")(func)
        return func
    return _decorator
