"""Authentication and policy options of the REST API ([DEFAULT] and [api]).

keystonemiddleware's own options live in [keystone_authtoken]; they are registered by
keystonemiddleware itself (and listed by the sample generator's
``keystonemiddleware.auth_token`` namespace).
"""

from oslo_config import cfg

NOAUTH, HTTP_BASIC, KEYSTONE = "noauth", "http_basic", "keystone"

opts = [
    cfg.StrOpt("auth_strategy", default=NOAUTH,
               choices=[(NOAUTH, "No authentication: every request may read and write. "
                                 "Refused on a non-loopback [api] host_ip unless "
                                 "[api] allow_insecure_noauth = true."),
                        (HTTP_BASIC, "HTTP Basic against http_basic_auth_user_file "
                                     "(htpasswd, bcrypt only)."),
                        (KEYSTONE, "Keystone tokens (X-Auth-Token), validated by "
                                   "keystonemiddleware from [keystone_authtoken].")],
               help="Authentication of API requests. GET / and GET /v1/ (version "
                    "documents) never need credentials."),
    cfg.StrOpt("http_basic_auth_user_file", default="/etc/sysinv-edgeworker/htpasswd",
               help="htpasswd file of the http_basic strategy: one 'user:bcrypt-hash' "
                    "line per user (htpasswd -B). It is read at start-up (a missing, "
                    "unreadable or malformed file stops the service) and again whenever "
                    "it changes; a changed file that cannot be read keeps the previous "
                    "users and logs an error."),
]

api_opts = [
    cfg.BoolOpt("allow_insecure_noauth", default=False,
                help="Let auth_strategy = noauth listen on a non-loopback host_ip. "
                     "Anyone who can reach the port can then change the inventory."),
    cfg.ListOpt("readonly_users", default=[],
                help="http_basic: users of http_basic_auth_user_file who may only read "
                     "(GET); their writes get 403. Every other user of the file may "
                     "read and write."),
    cfg.ListOpt("keystone_write_roles", default=["admin", "member"],
                help="keystone: a token with one of these roles may read and write."),
    cfg.ListOpt("keystone_read_roles", default=["reader"],
                help="keystone: a token with one of these roles (and none of "
                     "keystone_write_roles) may only read; its writes get 403. A token "
                     "with none of these roles and none of keystone_write_roles gets "
                     "403 for every request."),
]


def register(conf):
    conf.register_opts(opts)
    conf.register_opts(api_opts, group="api")
