"""table / yaml / value output (cgtsclient's layouts)."""

import io

import pytest
import yaml

from cgtsclient_ext import exc, formatting

HOSTS = [
    {"id": 10, "hostname": "edge-10", "personality": "edgeworker", "administrative": "locked",
     "operational": "disabled", "availability": "offline"},
    {"id": 2, "hostname": "edge-02", "personality": "edgeworker", "administrative": "locked",
     "operational": "disabled", "availability": "offline"},
]
FIELDS = ["id", "hostname", "personality", "administrative", "operational", "availability"]


def _out(func, *args, **kwargs):
    buf = io.StringIO()
    func(*args, out=buf, **kwargs)
    return buf.getvalue()


def test_list_table_layout_and_numeric_sort():
    text = _out(formatting.print_list, HOSTS, FIELDS)
    assert text == (
        "+----+----------+-------------+----------------+-------------+--------------+\n"
        "| id | hostname | personality | administrative | operational | availability |\n"
        "+----+----------+-------------+----------------+-------------+--------------+\n"
        "| 2  | edge-02  | edgeworker  | locked         | disabled    | offline      |\n"
        "| 10 | edge-10  | edgeworker  | locked         | disabled    | offline      |\n"
        "+----+----------+-------------+----------------+-------------+--------------+\n")


def test_list_value_one_line_per_row_in_column_order():
    text = _out(formatting.print_list, HOSTS, ["hostname", "id"], output_format="value")
    assert text == "edge-02 2\nedge-10 10\n"


def test_list_yaml_round_trips():
    text = _out(formatting.print_list, HOSTS, ["id", "hostname"], output_format="yaml")
    assert yaml.safe_load(text) == [{"id": 2, "hostname": "edge-02"},
                                    {"id": 10, "hostname": "edge-10"}]


def test_sort_survives_none_values():
    rows = [{"a": None}, {"a": "x"}, {"a": 1}]
    assert _out(formatting.print_list, rows, ["a"], output_format="value") == "1\nx\nNone\n"


def test_dict_table_sorted_property_value():
    data = {"uuid": "u-1", "hostname": "edge-01", "location": {"locn": "lab"},
            "mgmt_ip": None}
    text = _out(formatting.print_dict, data)
    lines = text.splitlines()
    assert lines[1] == "| Property | Value           |"
    assert [line.split("|")[1].strip() for line in lines[3:-1]] == \
        ["hostname", "location", "mgmt_ip", "uuid"]
    assert "| location | {'locn': 'lab'} |" in lines
    assert "| mgmt_ip  | None            |" in lines


def test_dict_value_and_yaml():
    data = {"hostname": "edge-01", "mgmt_ip": "192.168.204.5"}
    assert _out(formatting.print_dict, data, output_format="value") == "edge-01 192.168.204.5\n"
    assert yaml.safe_load(_out(formatting.print_dict, data, output_format="yaml")) == data


def test_dict_wrap():
    text = _out(formatting.print_dict, {"k": "word " * 30}, wrap=20)
    assert max(len(line) for line in text.splitlines()) < 40


def test_check_columns_names_unknown_and_valid():
    formatting.check_columns(["id"], {"id", "hostname"})
    with pytest.raises(exc.CommandError) as err:
        formatting.check_columns(["id", "bogus"], {"id", "hostname"})
    assert str(err.value) == "Unknown column(s): bogus. Valid columns: hostname, id"


def test_format_ranges():
    assert formatting.format_ranges([["192.168.204.2", "192.168.204.254"]]) == \
        ["192.168.204.2-192.168.204.254"]
    assert formatting.format_ranges(None) == []
