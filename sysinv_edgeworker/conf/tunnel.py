from oslo_config import cfg

from sysinv_edgeworker.common import constants

group = cfg.OptGroup(
    "tunnel", title="The WireGuard management tunnel for edgeworkers at L3/NAT sites",
    help="Set subnet to enable hosts with mgmt_attach=tunnel (docs/tunnel.md). The conductor "
         "creates the edge-tunnel network and its address pool from these options at start, "
         "as it does the mgmt network, allocates each tunnel host's address from it and is "
         "the only writer of the controller interface's peer set.")

opts = [
    cfg.StrOpt("subnet",
               help="Tunnel subnet (IPv4 or IPv6 CIDR), e.g. 10.66.0.0/16. Empty: no tunnel "
                    "network; mgmt_attach=tunnel is refused."),
    cfg.StrOpt("controller_address",
               help="The controller's address on the tunnel interface, excluded from "
                    "allocation (default: network + 1)."),
    cfg.StrOpt("range_start",
               help="First allocatable tunnel address (default: network + 2)."),
    cfg.StrOpt("range_end",
               help="Last allocatable tunnel address (default: the last address before the "
                    "broadcast address)."),
    cfg.StrOpt("allocation_order", default=constants.ALLOCATION_SEQUENTIAL,
               choices=constants.ALLOCATION_ORDERS,
               help="sequential: lowest free address; random: a random free address."),
    cfg.PortOpt("listen_port", default=51820,
                help="UDP port of the controller's tunnel interface (ListenPort of the "
                     "rendered configuration). The one port a site's firewall must let out."),
    cfg.ListOpt("endpoints", default=[],
                help="Public endpoint(s) (host:port) at which the sites reach the "
                     "controller's tunnel port, e.g. through the OAM firewall's port "
                     "forward. Given to the edge side; not used by the controller itself."),
    cfg.ListOpt("routes", default=[],
                help="Networks the edge routes through the tunnel besides the controller's "
                     "mgmt subnet (always first), e.g. the cluster's pod and service CIDRs or "
                     "the OAM subnet. Given to the edge side on the edge-tunnel network."),
    cfg.IntOpt("mtu", default=1420, min=1280, max=9000,
               help="MTU of the tunnel interfaces (1420 for a 1500 WAN link; lower it for "
                    "PPPoE/LTE sites)."),
    cfg.IntOpt("persistent_keepalive", default=25, min=0, max=65535,
               help="Seconds between the edge's keepalives (PersistentKeepalive), which keep "
                    "the site's NAT mapping open; 0 disables them."),
    cfg.StrOpt("interface", default="wg-edge",
               help="Name of the controller's WireGuard interface (at most 15 characters). "
                    "It is created by the deployment (kernel WireGuard or wireguard-go) with "
                    "the controller's private key; the conductor only syncs its peers. If it "
                    "does not exist, the configuration is still rendered and the apply is "
                    "skipped with a log line."),
    cfg.StrOpt("config_path", default="$state_path/wg-edge.conf",
               help="Where the conductor renders the interface's peer set (wg(8) format, "
                    "no private key): what it applies with wg syncconf, and what an "
                    "operator reads."),
    cfg.StrOpt("private_key_file", default="/etc/wireguard/wg-edge.key",
               help="The controller interface's private key (what 'wg genkey' prints; mode "
                    "0600, readable by the conductor). wg syncconf clears the interface's "
                    "key unless it is given, so the conductor passes it to wg through a "
                    "pipe with the peer set; it is never copied to a file, a log or the "
                    "database. Only read when the interface exists."),
    cfg.StrOpt("wg_command", default="wg",
               help="The wg(8) command (from wireguard-tools), run without a shell; may carry "
                    "a prefix such as 'ip netns exec <ns> wg'."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
