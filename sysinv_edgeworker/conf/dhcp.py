from oslo_config import cfg

group = cfg.OptGroup("dhcp", title="dnsmasq reservations (one file per host)")

opts = [
    cfg.StrOpt("hostsdir", default="$state_path/dhcp-hosts.d",
               help="Directory for dnsmasq's dhcp-hostsdir: one file per host, named after "
                    "its uuid, holding '<mac>,<ip>,<hostname>'. dnsmasq reads new files by "
                    "itself (inotify); the conductor signals it (SIGHUP) after a host's file "
                    "is replaced or removed. The conductor owns the directory: at start it "
                    "removes files named like a host uuid that the database does not hold."),
    cfg.StrOpt("addn_hostsdir", default="$state_path/addn-hosts.d",
               help="Directory for dnsmasq's hostsdir (names for the mgmt addresses): one "
                    "file per host, named after its uuid, holding '<ip> <hostname>'."),
    cfg.StrOpt("hostsfile", deprecated_for_removal=True,
               deprecated_reason="Replaced by hostsdir: one file per host, so that adding a "
                                 "host does not rewrite every reservation.",
               help="No longer written. Setting it is a start-up error that names the "
                    "dnsmasq lines to use instead (dhcp-hostsdir=<[dhcp] hostsdir>)."),
    cfg.StrOpt("addn_hosts", deprecated_for_removal=True,
               deprecated_reason="Replaced by addn_hostsdir.",
               help="No longer written. Setting it is a start-up error that names the "
                    "dnsmasq lines to use instead (hostsdir=<[dhcp] addn_hostsdir>)."),
    cfg.StrOpt("pid_file", default="$state_path/dnsmasq.pid",
               help="dnsmasq's pid file; the conductor sends SIGHUP to that pid after it "
                    "replaces or removes a host's files, and at start. A missing pid file "
                    "is not an error."),
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
