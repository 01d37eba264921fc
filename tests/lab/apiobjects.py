"""Pure helpers of the lab API server: label selectors and the PATCH flavours (stdlib only)."""

import copy
import datetime


class PatchError(ValueError):
    pass


def matches(obj, selector):
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in filter(None, (selector or "").split(",")):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch (also used for strategic merge patches of maps such as labels)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target, ops):
    """RFC 6902 add/replace/remove (what the kubernetes client sends when the body is a list)."""
    result = copy.deepcopy(target)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].lstrip("/").split("/")]
        parent = result
        for part in parts[:-1]:
            parent = parent.setdefault(part, {}) if isinstance(parent, dict) else parent[int(part)]
        leaf = parts[-1]
        if op["op"] in ("add", "replace"):
            if isinstance(parent, list):
                parent.insert(len(parent) if leaf == "-" else int(leaf), op["value"])
            else:
                parent[leaf] = op["value"]
        elif op["op"] == "remove":
            del parent[int(leaf) if isinstance(parent, list) else leaf]
        else:
            raise PatchError(f"unsupported json patch op {op['op']!r}")
    return result


def _age(created, now):
    seconds = int(
        (now - datetime.datetime.fromisoformat(created.replace("Z", "+00:00"))).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def node_table(nodes, now, resource_version):
    """A meta.k8s.io/v1 Table of nodes with the columns `kubectl get nodes` shows."""
    columns = [
        ("Name", "string", "name"),
        ("Status", "string", ""),
        ("Roles", "string", ""),
        ("Age", "string", ""),
        ("Version", "string", ""),
    ]
    rows = []
    for node in nodes:
        meta, status = node["metadata"], node.get("status", {})
        ready = [c["status"] for c in status.get("conditions", []) if c.get("type") == "Ready"]
        state = {"True": "Ready"}.get(ready[0] if ready else "", "NotReady")
        if node.get("spec", {}).get("unschedulable"):
            state += ",SchedulingDisabled"
        roles = sorted(
            k.split("/", 1)[1]
            for k in (meta.get("labels") or {})
            if k.startswith("node-role.kubernetes.io/")
        )
        rows.append(
            {
                "cells": [
                    meta["name"],
                    state,
                    ",".join(roles) or "<none>",
                    _age(meta.get("creationTimestamp", "1970-01-01T00:00:00Z"), now),
                    status.get("nodeInfo", {}).get("kubeletVersion", ""),
                ],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta,
                },
            }
        )
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": n, "type": t, "format": f, "description": "", "priority": 0}
            for n, t, f in columns
        ],
        "rows": rows,
    }
