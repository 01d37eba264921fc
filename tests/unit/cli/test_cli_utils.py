"""attribute=value parsing and JSON-patch building (host-update)."""

import argparse

import pytest

from cgtsclient_ext import utils


@pytest.mark.parametrize("text,expected", [
    ("hostname=edge-01", ("/hostname", "edge-01")),
    ("/personality=edgeworker", ("/personality", "edgeworker")),
    ("location=rack 3=left", ("/location", "rack 3=left")),
    ("location=", ("/location", "")),
    ("location/locn=lab", ("/location/locn", "lab")),
])
def test_parse_attribute_accepts(text, expected):
    assert utils.parse_attribute(text) == expected


@pytest.mark.parametrize("text,message", [
    ("hostname", "expected <attribute>=<value>"),
    ("", "expected <attribute>=<value>"),
    ("=edge-01", "is not an attribute name"),
    ("host name=x", "is not an attribute name"),
    ("1abc=x", "is not an attribute name"),
])
def test_parse_attribute_rejects(text, message):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        utils.parse_attribute(text)
    assert message in str(err.value)
    assert repr(text) in str(err.value)


def test_attributes_to_patch_is_replace_ops_with_string_values():
    pairs = [utils.parse_attribute("hostname=edge-01"),
             utils.parse_attribute("personality=edgeworker")]
    assert utils.attributes_to_patch(pairs) == [
        {"op": "replace", "path": "/hostname", "value": "edge-01"},
        {"op": "replace", "path": "/personality", "value": "edgeworker"},
    ]


def test_env_first_non_empty(monkeypatch):
    monkeypatch.setenv("CLI_T_A", "")
    monkeypatch.setenv("CLI_T_B", "b")
    assert utils.env("CLI_T_A", "CLI_T_B") == "b"
    assert utils.env("CLI_T_UNSET", default="d") == "d"
