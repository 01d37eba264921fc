"""The label rules (api/label_rules.py) without HTTP: Kubernetes' label syntax, the reserved
prefixes, values, and the overwrite flag; exact status and message per rule."""

import pytest

from sysinv_edgeworker.api import label_rules as rules
from sysinv_edgeworker.common import exception

BAD_NAME = ("the name part must begin and end with a letter or digit and contain only "
            "letters, digits, '-', '_' and '.'.")
BAD_PREFIX = ("the prefix must be a DNS subdomain: lower-case letters, digits, '-' and '.', "
              "each part beginning and ending with a letter or digit.")


def _err(fn, *args):
    with pytest.raises(exception.EdgeworkerException) as err:
        fn(*args)
    assert err.value.code == 400
    return err.value.message


@pytest.mark.parametrize("key", [
    "app", "A", "9", "app.kubernetes", "my_label.v-2", "x" * 63,
    "example.com/rack", "a.b-c.d/Zone_1", ("p" * 63 + ".") * 3 + "q" * 61 + "/" + "n" * 63,
    "node-role.kubernetes.io/edgeworker", "node-role.kubernetes.io/edge_gpu",
    "starlingx.io/stalld", "kubernetes.iox/name", "notk8s.io/x", "io/x",
])
def test_valid_keys(key):
    assert rules.key(key) == key


@pytest.mark.parametrize("key,why", [
    ("", "it must be a non-empty string."),
    ("-app", BAD_NAME), ("app-", BAD_NAME), ("a b", BAD_NAME), ("a:b", BAD_NAME),
    ("é", BAD_NAME), ("example.com/", BAD_NAME), ("example.com/.x", BAD_NAME),
    ("x" * 64, "the name part is 64 characters long; the maximum is 63."),
    ("/app", "the prefix before '/' must not be empty."),
    ("Example.com/app", BAD_PREFIX), ("example_com/app", BAD_PREFIX),
    ("-example.com/app", BAD_PREFIX), ("example..com/app", BAD_PREFIX),
    ("a/b/c", BAD_PREFIX),
    ("a" * 254 + "/app", "the prefix is 254 characters long; the maximum is 253."),
])
def test_invalid_keys(key, why):
    from sysinv_edgeworker.common.validators import shown
    assert _err(rules.key, key) == "Label key '%s' is invalid: %s" % (shown(key), why)


@pytest.mark.parametrize("key,prefix", [
    ("kubernetes.io/hostname", "kubernetes.io"), ("k8s.io/x", "k8s.io"),
    ("node.kubernetes.io/instance-type", "node.kubernetes.io"),
    ("topology.kubernetes.io/zone", "topology.kubernetes.io"),
    ("kubelet.kubernetes.io/x", "kubelet.kubernetes.io"),
    ("a.b.k8s.io/x", "a.b.k8s.io"),
])
def test_reserved_prefixes_refused(key, prefix):
    assert _err(rules.key, key) == (
        "Label key '%s' is invalid: the prefix %s/ is reserved for Kubernetes; of its prefixes "
        "only node-role.kubernetes.io/ may be assigned." % (key, prefix))


@pytest.mark.parametrize("key", ["node-role.kubernetes.io/control-plane",
                                 "node-role.kubernetes.io/master"])
def test_control_plane_roles_refused(key):
    assert _err(rules.key, key) == ("Label key '%s' is invalid: it marks control-plane nodes "
                                    "and cannot be assigned to a host." % key)


@pytest.mark.parametrize("value", ["", "v", "V1.2_b-3", "x" * 63, "0"])
def test_valid_values(value):
    assert rules.value("k", value) == value


@pytest.mark.parametrize("value,message", [
    (None, "Label 'k' has no value (null); use \"\" for an empty value."),
    (3, "Value of label 'k' must be a string."),
    (True, "Value of label 'k' must be a string."),
    ("x" * 64, "Value of label 'k' is 64 characters long; the maximum is 63."),
    ("-x", "Value '-x' of label 'k' is invalid: it must be empty or begin and end with a "
           "letter or digit and contain only letters, digits, '-', '_' and '.'."),
    ("a/b", "Value 'a/b' of label 'k' is invalid: it must be empty or begin and end with a "
            "letter or digit and contain only letters, digits, '-', '_' and '.'."),
    ("x.", "Value 'x.' of label 'k' is invalid: it must be empty or begin and end with a "
           "letter or digit and contain only letters, digits, '-', '_' and '.'."),
])
def test_invalid_values(value, message):
    assert _err(rules.value, "k", value) == message


@pytest.mark.parametrize("body", [{}, [], None, "a=b", [["a", "b"]]])
def test_assign_body_must_be_an_object(body):
    assert _err(rules.validate_assign, body) == (
        "Labels must be given as a non-empty JSON object of key: value pairs.")


def test_assign_checks_every_label():
    assert rules.validate_assign({"a": "1", "b": ""}) == {"a": "1", "b": ""}
    assert _err(rules.validate_assign, {"a": "1", "b c": "2"}).startswith(
        "Label key 'b c' is invalid")


@pytest.mark.parametrize("text,flag", [(None, False), ("True", True), ("False", False),
                                       ("true", True), ("1", True), ("0", False)])
def test_overwrite(text, flag):
    assert rules.overwrite(text) is flag


def test_overwrite_invalid():
    assert _err(rules.overwrite, "maybe") == "overwrite 'maybe' is invalid; expected True or False."
