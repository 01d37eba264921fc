"""The keys sysinv returns, written down from starlingx/config's source (not from ours).

Paths are in starlingx/config under sysinv/sysinv/sysinv/sysinv/ (``api/controllers/v1/``
for the API types, ``objects/`` for the object fields). wsme renders every declared
attribute of the API type that is not Unset (None is rendered as null); an API object
sets the attributes of its ``objects.<x>.fields`` (plus created_at/updated_at from the
object base) and ``convert_with_links(expand=False)`` (list entries) unsets all but a
minimum list.
"""

# api/controllers/v1/host.py, class Host: the declared attributes. A single host
# (get_one, post, patch: convert_with_links(expand=True)) has all of them except
# bm_password (not an object field, never set) and vsc_controllers (unset unless the
# vswitch is nuage_vrs on a worker), plus created_at/updated_at (APIBase).
HOST_SINGLE = {
    "id", "uuid", "hostname", "invprovision", "mgmt_mac", "mgmt_ip", "bm_ip", "bm_type",
    "bm_username", "personality", "subfunctions", "subfunction_oper", "subfunction_avail",
    "serialid", "administrative", "operational", "availability", "action", "ihost_action",
    "inv_state", "vim_progress_status", "task", "mtce_info", "reserved", "config_status",
    "config_applied", "config_target", "clock_synchronization", "uptime", "location",
    "capabilities", "forisystemid", "isystem_uuid", "peers", "links", "iinterfaces",
    "ports", "ethernet_ports", "inodes", "icpus", "imemorys", "istors", "idisks",
    "partitions", "ceph_mon", "ipvs", "ilvgs", "host_fs", "kube_update_ca", "isensors",
    "isensorgroups", "pci_devices", "lldp_agents", "lldp_neighbours", "labels",
    "boot_device", "rootfs_device", "hw_settle", "install_output", "console", "tboot",
    "ttys_dcd", "apparmor", "install_state", "install_state_info",
    "max_cpu_mhz_configured", "min_cpu_mhz_allowed", "max_cpu_mhz_allowed",
    "cstates_available", "iscsi_initiator_name", "nvme_host_id", "nvme_host_nqn",
    "device_image_update", "reboot_needed", "sw_version", "created_at", "updated_at",
}

# host.py, Host.convert_with_links: minimum_fields (a GET /v1/ihosts entry) that are
# declared attributes (peer_id is not), without vsc_controllers (see above), plus links
# (always set) and peers (set to None after the minimum fields are applied).
HOST_LIST_ENTRY = {
    "id", "uuid", "hostname", "personality", "subfunctions", "subfunction_oper",
    "subfunction_avail", "administrative", "operational", "availability", "invprovision",
    "task", "mtce_info", "action", "uptime", "reserved", "ihost_action",
    "vim_progress_status", "mgmt_mac", "mgmt_ip", "location", "bm_ip", "bm_type",
    "bm_username", "isystem_uuid", "capabilities", "serialid", "config_status",
    "config_applied", "config_target", "created_at", "updated_at", "boot_device",
    "rootfs_device", "hw_settle", "install_output", "console", "tboot", "ttys_dcd",
    "peers", "install_state", "install_state_info", "iscsi_initiator_name",
    "device_image_update", "reboot_needed", "inv_state", "clock_synchronization",
    "max_cpu_mhz_configured", "min_cpu_mhz_allowed", "max_cpu_mhz_allowed",
    "cstates_available", "apparmor", "nvme_host_id", "nvme_host_nqn", "sw_version", "links",
}

# api/controllers/v1/system.py, class System (no ``id`` attribute is declared) and
# System.convert_with_links: GET /v1/isystems uses expand=False (minimum_fields + links);
# GET /v1/isystems/<uuid> expands (every declared attribute, links and ihosts).
ISYSTEM_LIST_ENTRY = {
    "uuid", "name", "system_type", "system_mode", "description", "capabilities", "contact",
    "location", "latitude", "longitude", "software_version", "created_at", "updated_at",
    "timezone", "region_name", "service_project_name", "distributed_cloud_role",
    "security_feature", "links",
}
ISYSTEM_SINGLE = ISYSTEM_LIST_ENTRY | {"services", "ihosts"}

# api/controllers/v1/network.py, class Network; objects/network.py fields. A list entry
# keeps only unset_fields_except([...]); a single network adds the timestamps.
NETWORK_LIST_ENTRY = {"id", "uuid", "type", "name", "dynamic", "pool_uuid",
                      "primary_pool_family"}
NETWORK_SINGLE = NETWORK_LIST_ENTRY | {"created_at", "updated_at"}

# api/controllers/v1/address_pool.py, class AddressPool; objects/address_pool.py fields.
ADDRPOOL_LIST_ENTRY = {
    "uuid", "name", "network", "prefix", "family", "order", "ranges",
    "controller0_address", "controller0_address_id", "controller1_address",
    "controller1_address_id", "floating_address", "floating_address_id",
    "gateway_address", "gateway_address_id",
}
ADDRPOOL_SINGLE = ADDRPOOL_LIST_ENTRY | {"id", "created_at", "updated_at"}

# api/controllers/v1/kube_version.py, class KubeVersion (timestamps explicitly unset);
# a list entry keeps version, target and state.
KUBE_VERSION_LIST_ENTRY = {"version", "target", "state"}
KUBE_VERSION_SINGLE = KUBE_VERSION_LIST_ENTRY | {"upgrade_from", "downgrade_to",
                                                 "applied_patches", "available_patches"}

# api/controllers/v1/kube_host_upgrade.py, class KubeHostUpgrade; links always set.
KUBE_HOST_UPGRADE_LIST_ENTRY = {"id", "uuid", "target_version", "status",
                                "control_plane_version", "kubelet_version", "host_id",
                                "links"}
KUBE_HOST_UPGRADE_SINGLE = KUBE_HOST_UPGRADE_LIST_ENTRY | {"created_at", "updated_at"}

# What cgtsclient reads without a default (cgts-client/cgtsclient/v1/iHost_shell.py
# _print_ihost_show; isystem_shell.py _print_isystem_show; network_shell.py;
# address_pool_shell.py): a subset of the above, kept to say why the keys matter.
CGTSCLIENT_HOST_SHOW = {"subfunctions", "personality", "peers", "install_state",
                        "install_state_info"}
CGTSCLIENT_SYSTEM_SHOW = {"capabilities", "distributed_cloud_role"}
