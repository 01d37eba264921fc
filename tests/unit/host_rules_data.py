"""Host records shared by the host-rule unit tests (test_host_rules_fields/_changes)."""

MAC = "52:54:00:aa:bb:01"
EDGE = {"hostname": "edge-01", "personality": "edgeworker", "mgmt_mac": MAC}
CURRENT = {
    "uuid": "u",
    "hostname": "edge-01",
    "personality": "edgeworker",
    "mgmt_mac": MAC,
    "mgmt_ip": "192.168.204.1",
}
BARE = {"uuid": "u", "hostname": None, "personality": None, "mgmt_mac": MAC, "mgmt_ip": None}
WORKER = dict(CURRENT, hostname="worker-0", personality="worker")
KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="  # a WireGuard public key (32 bytes)
# an edgeworker on the edge tunnel: its mgmt_ip is its tunnel address (docs/tunnel.md)
TUNNEL_HOST = dict(CURRENT, mgmt_ip="10.66.0.2", mgmt_attach="tunnel", wg_public_key=KEY)
