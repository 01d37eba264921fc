"""The upgrade check: the inventory's edgeworkers against the cluster's Nodes (pure).

``build_report`` pairs inventory hosts with Nodes by name (an edgeworker's hostname is its
Node name), gives each edgeworker a verdict (kube/skew.py), lists the edgeworkers missing
from the cluster and the worker Nodes the inventory does not know, and decides the exit code:

    0  safe: no ``blocks-upgrade`` edgeworker (no ``unknown`` one either with strict=True)
       and no control-plane problem
    2  usage error (bad option or --target-version)
    3  unsafe: an edgeworker would be stranded (``blocks-upgrade``), or with strict=True an
       edgeworker is ``unknown``, or the control plane is refused (kube-apiservers more than
       one minor apart; a target more than one minor ahead of, or older than, the oldest
       kube-apiserver). ``unsafe_because`` lists the causes in words.
    4  the cluster or the inventory API could not be queried

Nodes that are not in the inventory are reported with their own verdict but do not decide
the exit code: the check answers for the edgeworkers, and StarlingX's own upgrade
bookkeeping answers for its controllers and workers (which ``system host-list`` knows, so
they are not reported as extra either). Control-plane Nodes are never reported as extra.
"""

from sysinv_edgeworker.kube import skew

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_STRANDED = 3
EXIT_UNREACHABLE = 4
EDGEWORKER = "edgeworker"


def _summary(rows):
    counts = dict.fromkeys(skew.VERDICTS, 0)
    for row in rows:
        counts[row["verdict"]] += 1
    return counts


def _host_row(host, node, verdict):
    return {
        "hostname": host["hostname"],
        "in_inventory": True,
        "in_cluster": node is not None,
        "kubelet_version": node.kubelet_version if node else None,
        "node_ready": node.ready if node else None,
        "node_ready_condition": node.ready_condition if node else None,
        "inventory_kubelet_version": host.get("kubelet_version"),
        "provision_state": host.get("provision_state"),
        **verdict.to_dict(),
    }


def build_report(hosts, nodes, apiservers, target=None, strict=False):
    """The check's report (a JSON-safe dict with ``exit_code``).

    hosts: inventory host dicts (``hostname``, ``personality``, optional ``kubelet_version``,
    ``provision_state``); nodes: ``cluster.Node`` objects; apiservers: ``cluster.ApiServers``;
    target: KubeVersion or None.
    """
    current = apiservers.versions
    by_name = {n.name: n for n in nodes}
    known = {h.get("hostname") for h in hosts if h.get("hostname")}
    rows, missing = [], []
    for host in sorted((h for h in hosts if h.get("personality") == EDGEWORKER
                        and h.get("hostname")), key=lambda h: h["hostname"]):
        node = by_name.get(host["hostname"])
        if node is None:
            missing.append(host["hostname"])
            verdict = skew.Verdict(skew.UNKNOWN, "not in the cluster: no Node named %s"
                                   % host["hostname"])
        else:
            verdict = skew.evaluate(node.kubelet_version, current, target,
                                    unknown_reason="the Node reports no kubelet version")
        rows.append(_host_row(host, node, verdict))
    extra = []
    for node in sorted(by_name.values(), key=lambda n: n.name):
        if node.control_plane or node.name in known:
            continue
        verdict = skew.evaluate(node.kubelet_version, current, target,
                                unknown_reason="the Node reports no kubelet version")
        extra.append({"name": node.name, "kubelet_version": node.kubelet_version,
                      "node_ready": node.ready, "node_ready_condition": node.ready_condition,
                      **verdict.to_dict()})
    summary = _summary(rows)
    problems = skew.check_plan(current, target)
    unsafe = _causes(summary, strict) + problems
    return {
        "control_plane": {"apiserver_versions": [str(v) for v in current],
                          "oldest": str(current[0]), "newest": str(current[-1]),
                          "source": apiservers.source, "problems": problems},
        "target_version": str(target) if target is not None else None,
        "edgeworkers": rows,
        "missing_from_cluster": missing,
        "not_in_inventory": extra,
        "summary": summary,
        "strict": strict,
        "safe": not unsafe,
        "unsafe_because": unsafe,
        "error": None,
        "exit_code": EXIT_STRANDED if unsafe else EXIT_OK,
    }


def _causes(summary, strict):
    """The edgeworker causes of exit 3, in words."""
    causes = []
    if summary[skew.BLOCKS_UPGRADE]:
        causes.append("%s would be stranded (blocks-upgrade)"
                      % _edgeworkers(summary[skew.BLOCKS_UPGRADE]))
    if strict and summary[skew.UNKNOWN]:
        causes.append("%s unknown (--strict)" % _edgeworkers(summary[skew.UNKNOWN]))
    return causes


def _edgeworkers(count):
    return "%d edgeworker%s" % (count, "" if count == 1 else "s")


def unreachable_report(error, hosts=(), target=None):
    """The report when the cluster (or the inventory API) cannot be queried: every known
    edgeworker is ``unknown`` and the exit code is 4."""
    rows = [dict(_host_row(h, None, skew.Verdict(skew.UNKNOWN,
                                                 "the cluster could not be queried")),
                 in_cluster=None)
            for h in sorted((h for h in hosts if h.get("personality") == EDGEWORKER
                             and h.get("hostname")), key=lambda h: h["hostname"])]
    return {
        "control_plane": None,
        "target_version": str(target) if target is not None else None,
        "edgeworkers": rows,
        "missing_from_cluster": [],
        "not_in_inventory": [],
        "summary": _summary(rows),
        "strict": False,
        "safe": False,
        "unsafe_because": [],
        "error": str(error),
        "exit_code": EXIT_UNREACHABLE,
    }
