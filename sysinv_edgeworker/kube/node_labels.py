"""Which labels of a Node the inventory owns, and the patch that brings them in line (pure).

The Node carries the keys the inventory last applied in the annotation
``edgeworker.starlingx.io/sysinv-labels`` (a JSON list). A key that was applied before and
is no longer assigned is removed from the Node; labels the inventory never applied (the
kubelet's, the playbook's ``edgeworker_node_labels``, an administrator's kubectl label) are
left alone. The playbook's edgeworker_node role writes the same annotation at join.
"""

import json

MANAGED_ANNOTATION = "edgeworker.starlingx.io/sysinv-labels"


def managed_keys(annotations):
    """The keys listed in the annotation ({} of annotations, or None); unreadable -> []."""
    raw = (annotations or {}).get(MANAGED_ANNOTATION)
    try:
        keys = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []


def label_patch(current, managed, desired):
    """The merge patch (``{"metadata": {...}}``) that gives a Node with labels ``current`` and
    managed keys ``managed`` exactly the ``desired`` inventory labels, or None when it has
    them already."""
    current = current or {}
    labels = {k: v for k, v in desired.items() if current.get(k) != v}
    labels.update((k, None) for k in managed if k not in desired and k in current)
    keys = sorted(desired)
    if not labels and sorted(set(managed)) == keys:
        return None
    return {"metadata": {"labels": labels,
                         "annotations": {MANAGED_ANNOTATION: json.dumps(keys)}}}
