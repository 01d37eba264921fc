from oslo_config import cfg

group = cfg.OptGroup("api", title="REST API options")

opts = [
    cfg.HostAddressOpt("host_ip", default="127.0.0.1",
                       help="Address the API listens on."),
    cfg.PortOpt("port", default=6385, help="Port the API listens on (sysinv's port)."),
    cfg.IntOpt("max_limit", default=1000, min=1,
               help="Largest page a collection request may return."),
    cfg.IntOpt("threads", default=8, min=1,
               help="Worker threads of the WSGI server."),
    cfg.IntOpt("max_body_size", default=64 * 1024, min=1024,
               help="Largest request body accepted, in bytes (413 above it)."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
