#!/usr/bin/python3
"""kubelet (edgeworker lab test double, v@VERSION@): prints its version; as a service it fails like
real kubelet until kubeadm has written its configuration, then stays up until stopped."""

import signal
import sys
import time

VERSION = "@VERSION@"


def main(argv):
    if "--version" in argv or "--version=true" in argv:
        print(f"Kubernetes v{VERSION}")
        return 0
    config = "/var/lib/kubelet/config.yaml"
    for i, arg in enumerate(argv):
        if arg.startswith("--config="):
            config = arg.split("=", 1)[1]
        elif arg == "--config" and i + 1 < len(argv):
            config = argv[i + 1]
    try:
        open(config).close()
    except OSError as exc:
        print(
            f'E0101 00:00:00.000000 run.go:74] "command failed" err="failed to load kubelet config '
            f"file, path: {config}, error: failed to read kubelet config file "
            f'\\"{config}\\", error: '
            f'{exc.strerror}"',
            file=sys.stderr,
            flush=True,
        )
        return 1
    print(
        f'I0101 00:00:00.000000 server.go:487] "Kubelet version" kubeletVersion="v{VERSION}" '
        "(edgeworker lab test double: runs no pods)",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
