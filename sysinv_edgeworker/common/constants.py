"""Names shared by every layer. No behaviour lives here."""

CONTROLLER = "controller"
WORKER = "worker"
STORAGE = "storage"
EDGEWORKER = "edgeworker"
PERSONALITIES = (CONTROLLER, WORKER, STORAGE, EDGEWORKER)

SIMPLEX = "simplex"
DUPLEX = "duplex"
STANDARD = "standard"
SYSTEM_MODES = (SIMPLEX, DUPLEX, STANDARD)

# Host states, with sysinv's vocabulary.
ADMIN_LOCKED = "locked"
ADMIN_UNLOCKED = "unlocked"
OPERATIONAL_DISABLED = "disabled"
OPERATIONAL_ENABLED = "enabled"
AVAILABILITY_OFFLINE = "offline"
AVAILABILITY_ONLINE = "online"
INVPROVISION_UNPROVISIONED = "unprovisioned"
INVPROVISION_PROVISIONED = "provisioned"

# Edgeworker provisioning record (written by the conductor, fed by the playbook).
PROVISION_STATES = ("unprovisioned", "provisioning", "provisioned", "failed")

NETWORK_TYPE_MGMT = "mgmt"
MGMT_NETWORK_NAME = "mgmt"
MGMT_POOL_NAME = "management"

ALLOCATION_SEQUENTIAL = "sequential"
ALLOCATION_RANDOM = "random"
ALLOCATION_ORDERS = (ALLOCATION_SEQUENTIAL, ALLOCATION_RANDOM)

# Names of the addresses reserved from the mgmt pool at bootstrap.
CONTROLLER_FLOATING_NAME = "controller-mgmt"
CONTROLLER0_NAME = "controller-0-mgmt"
CONTROLLER1_NAME = "controller-1-mgmt"
GATEWAY_NAME = "controller-gateway-mgmt"

RPC_TRANSPORT_NONE = "none"
RPC_TRANSPORT_OSLO = "oslo"

# A host's management attachment (hosts.mgmt_attach): on the flat mgmt network with a DHCP
# reservation, or through the controller's WireGuard tunnel (docs/tunnel.md).
MGMT_ATTACH_DIRECT = "direct"
MGMT_ATTACH_TUNNEL = "tunnel"
MGMT_ATTACHES = (MGMT_ATTACH_DIRECT, MGMT_ATTACH_TUNNEL)
NETWORK_TYPE_TUNNEL = "edge-tunnel"
TUNNEL_NETWORK_NAME = "edge-tunnel"
TUNNEL_POOL_NAME = "edge-tunnel"
CONTROLLER_TUNNEL_NAME = "controller-tunnel"
