from oslo_config import cfg

group = cfg.OptGroup("dhcp", title="dnsmasq reservation files")

opts = [
    cfg.StrOpt("hostsfile", default="$state_path/dnsmasq.hosts",
               help="dnsmasq dhcp-hostsfile: one '<mac>,<ip>,<hostname>' line per host."),
    cfg.StrOpt("addn_hosts", default="$state_path/dnsmasq.addn_hosts",
               help="dnsmasq addn-hosts file: one '<ip> <hostname>' line per host."),
    cfg.StrOpt("pid_file", default="$state_path/dnsmasq.pid",
               help="dnsmasq's pid file; the conductor sends SIGHUP to that pid after "
                    "rewriting the files. A missing pid file is not an error."),
    cfg.StrOpt("release_interface",
               help="Interface dnsmasq serves the mgmt network on. When set, deleting a host "
                    "(or changing its MAC) releases its lease with release_command, so the "
                    "address can be served to a new host at once; otherwise dnsmasq keeps "
                    "refusing it to other MACs until the old lease expires."),
    cfg.StrOpt("release_command", default="dhcp_release",
               help="Command that releases a lease, run without a shell as "
                    "'<command> <interface> <ip> <mac>' (dhcp_release is in dnsmasq-utils)."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
