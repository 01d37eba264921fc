#!/usr/bin/python3
"""kubectl (edgeworker lab test double, v@VERSION@): only `kubectl version --client` is implemented.
Cluster queries in the lab go to the lab API server with real clients (kubernetes, kubectl)."""

import json
import sys

VERSION = "@VERSION@"
KUSTOMIZE = "v5.0.4-0.20230601165947-6ce0bf390ce3"


def main(argv):
    args = [a for a in argv if not a.startswith("--kubeconfig")]
    if args[:1] == ["version"]:
        info = {
            "major": VERSION.split(".")[0],
            "minor": VERSION.split(".")[1],
            "gitVersion": "v" + VERSION,
            "gitCommit": "edgelab",
            "gitTreeState": "clean",
            "buildDate": "2024-01-01T00:00:00Z",
            "goVersion": "go1.21.7",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
        if "-o" in args or "--output=json" in args or "--output" in args:
            print(json.dumps({"clientVersion": info, "kustomizeVersion": KUSTOMIZE}, indent=2))
        else:
            print(f"Client Version: v{VERSION}\nKustomize Version: {KUSTOMIZE}")
        if "--client" not in args and "--client=true" not in args:
            print("error: the edgeworker lab kubectl double cannot reach a server", file=sys.stderr)
            return 1
        return 0
    print(
        "error: the edgeworker lab kubectl double only implements 'kubectl version --client'",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
