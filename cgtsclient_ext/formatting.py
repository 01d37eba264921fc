"""Output in cgtsclient's three formats: table (prettytable), yaml, value.

prettytable is imported only for tables and PyYAML only for ``--format yaml``,
so neither costs start-up time for the other formats.
"""

import sys
import textwrap

from cgtsclient_ext import exc

FORMATS = ("table", "yaml", "value")


def check_columns(requested, available):
    """Raise CommandError naming any requested column the objects do not have."""
    unknown = [c for c in requested if c not in available]
    if unknown:
        raise exc.CommandError(f"Unknown column(s): {', '.join(unknown)}. "
                               f"Valid columns: {', '.join(sorted(available))}")


def _sort_key(value):
    """Numbers before strings before None, so mixed or missing values never raise."""
    if value is None:
        return (2, 0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


def _cell(value):
    if isinstance(value, dict):
        return str(value)
    if value is None:
        return "None"
    return value


def _write(text, out):
    out = out or sys.stdout
    out.write(text if text.endswith("\n") else text + "\n")


def yaml_dump(data):
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise exc.CommandError("--format yaml needs PyYAML (pip install PyYAML)") from None
    return yaml.safe_dump(data, default_flow_style=False)


def print_list(objs, fields, output_format=None, sortby=0, formatters=None,
               out=None):
    """Print dicts ``objs`` as rows of ``fields`` (sorted by ``fields[sortby]``)."""
    formatters = formatters or {}
    rows = [{f: o.get(f) for f in fields} for o in objs]
    if sortby is not None and fields:
        key = fields[sortby]
        rows.sort(key=lambda r: _sort_key(r[key]))
    if output_format == "yaml":
        _write(yaml_dump(rows), out)
        return
    if output_format == "value":
        for row in rows:
            _write(" ".join(str(row[f]) for f in fields), out)
        return
    import prettytable

    pt = prettytable.PrettyTable(list(fields))
    pt.align = "l"
    for row in rows:
        pt.add_row([_cell(formatters[f](row[f]) if f in formatters else row[f]) for f in fields])
    _write(pt.get_string(), out)


def print_dict(data, output_format=None, wrap=0, formatters=None, out=None, ordered=False):
    """Print one object: a Property/Value table (sorted, or in ``data``'s order when
    ``ordered``), yaml, or its values on one line."""
    formatters = formatters or {}
    if output_format == "yaml":
        _write(yaml_dump(dict(data)), out)
        return
    if output_format == "value":
        _write(" ".join(str(v) for v in data.values()), out)
        return
    import prettytable

    pt = prettytable.PrettyTable(["Property", "Value"])
    pt.align = "l"
    for key in (data if ordered else sorted(data)):
        value = data[key]
        if key in formatters:
            value = formatters[key](value)
        value = _cell(value)
        if wrap > 0:
            value = textwrap.fill(str(value), wrap)
        pt.add_row([key, value])
    _write(pt.get_string(), out)


def print_tuple_list(pairs, formatters=None, out=None):
    """A Property/Value table of ``(field, value)`` pairs in their order (cgtsclient's
    print_tuple_list, used by network-show and addrpool-show)."""
    import prettytable

    formatters = formatters or {}
    pt = prettytable.PrettyTable(["Property", "Value"])
    pt.align = "l"
    for key, value in pairs:
        pt.add_row([key, _cell(formatters[key](value) if key in formatters else value)])
    _write(pt.get_string(), out)


def format_ranges(ranges):
    """[[start, end], ...] -> ["start-end", ...] (cgtsclient's addrpool formatter)."""
    return [str(start) + "-" + str(end) for start, end in (ranges or [])]
