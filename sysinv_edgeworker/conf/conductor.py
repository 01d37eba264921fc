from oslo_config import cfg

group = cfg.OptGroup("conductor", title="Conductor options")

opts = [
    cfg.StrOpt("topic", default="sysinv-edgeworker-conductor",
               help="RPC topic the conductors listen on."),
    cfg.IntOpt("rpc_timeout", default=30, min=1,
               help="Seconds the API waits for the conductor before answering 503."),
    cfg.IntOpt("rpc_retries", default=2, min=0,
               help="Reconnect attempts when sending to the conductor while the message "
                    "broker is unreachable, before the API answers 503."),
    cfg.IntOpt("allocation_retries", default=20, min=1,
               help="Attempts to claim an address when other conductors take the same "
                    "one concurrently."),
    cfg.IntOpt("db_retries", default=5, min=0,
               help="Retries of a conductor transaction that hit a deadlock or a "
                    "serialization failure."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
