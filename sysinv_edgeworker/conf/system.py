from oslo_config import cfg

from sysinv_edgeworker.common import constants

group = cfg.OptGroup("system", title="The system record created at bootstrap")

opts = [
    cfg.StrOpt("name", default="edgeworker-system", help="Name of the system record."),
    cfg.StrOpt("system_mode", default=constants.DUPLEX, choices=constants.SYSTEM_MODES,
               help="simplex (one controller), duplex (two controllers) or standard "
                    "(controllers plus workers/storage)."),
    cfg.StrOpt("system_type", default="All-in-one",
               choices=["All-in-one", "Standard"],
               help="sysinv's system_type."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
