from oslo_config import cfg

group = cfg.OptGroup("kubernetes", title="Kubernetes cluster options",
                     help="How the conductor reaches the cluster the edgeworkers join: "
                          "Node removal on host-delete, the kube_refresh of kubelet "
                          "versions and Ready conditions, and the kube_versions and "
                          "kube_host_upgrades views.")

opts = [
    cfg.BoolOpt("enabled", default=True,
                help="Talk to the Kubernetes cluster. Set false for an inventory without a "
                     "cluster (e.g. an all-in-one trial): host-delete then leaves the "
                     "cluster alone and POST /v1/ihosts/kube_refresh, GET "
                     "/v1/kube_versions and GET /v1/kube_host_upgrades answer 400."),
    cfg.StrOpt("kubeconfig", default="/etc/kubernetes/admin.conf",
               help="Admin kubeconfig of the cluster (read by the conductor)."),
    cfg.StrOpt("context", help="kubeconfig context to use; empty: its current-context."),
    cfg.FloatOpt("request_timeout", default=10.0, min=0.1,
                 help="Seconds to wait for one Kubernetes API request before the cluster is "
                      "reported unreachable."),
]


def register(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
