"""Command-line interface for System Inventory (the ``system`` command).

Exit status: 0 success; 1 the command failed (the service's faultstring, or a
connection error naming the URL, is printed on stderr); 2 usage error
(argparse), including a malformed ``attribute=value`` pair for host-update.
"""

import argparse
import sys

import cgtsclient_ext
from cgtsclient_ext import exc
from cgtsclient_ext.utils import arg, env

PROG = "system"


class HelpFormatter(argparse.HelpFormatter):
    def start_section(self, heading):
        super().start_section(heading[0].upper() + heading[1:])


def _command_modules():
    from cgtsclient_ext.v1 import ihost_shell, inventory_shell, kube_shell, system_shell
    from cgtsclient_ext.v1 import kube_upgrade_shell, label_shell

    return (ihost_shell, system_shell, inventory_shell, kube_shell, kube_upgrade_shell,
            label_shell)


def _global_options(parser):
    add = parser.add_argument
    add("--version", action="version", version=cgtsclient_ext.__version__)
    add("--debug", action="store_true", default=bool(env("SYSTEMCLIENT_DEBUG")),
        help="Print each request's method, URL and status on stderr "
             "(never credentials). Defaults to env[SYSTEMCLIENT_DEBUG]")
    add("-v", "--verbose", action="store_true", default=False,
        help="Accepted for cgtsclient compatibility")
    add("-k", "--insecure", action="store_true", default=False,
        help="Do not verify the server's TLS certificate (https URLs only)")
    add("--ca-file", default=env("OS_CACERT"),
        help="CA certificate(s) to verify an https server. Defaults to env[OS_CACERT]")
    add("--timeout", default=600, type=float,
        help="Seconds to wait for a response (default 600)")
    add("--system-url", default=env("SYSTEM_URL"),
        help="Service endpoint. Defaults to env[SYSTEM_URL], else the [api] host_ip "
             "and port of --config-file/--config-dir, else http://127.0.0.1:6385")
    add("--config-file", action="append", default=[], metavar="<file>",
        help="The service's configuration file (oslo.config); its [api] host_ip and "
             "port give the endpoint when no URL is given. Repeatable")
    add("--config-dir", action="append", default=[], metavar="<dir>",
        help="A directory of *.conf files read after --config-file. Repeatable")
    add("--os-username", default=env("OS_USERNAME"),
        help="Sent as HTTP Basic with --os-password. Defaults to env[OS_USERNAME]")
    add("--os-password", default=env("OS_PASSWORD"),
        help="Defaults to env[OS_PASSWORD]")
    add("--os-auth-token", default=env("OS_AUTH_TOKEN"),
        help="Sent as X-Auth-Token. Defaults to env[OS_AUTH_TOKEN]")
    add("--system-api-version", default=env("SYSTEM_API_VERSION", default="1"),
        choices=("1",), help="Defaults to env[SYSTEM_API_VERSION] or 1")
    # Keystone-related options cgtsclient has: accepted (so existing scripts and
    # openrc files keep working) and not used until keystone auth is supported.
    add = parser.add_argument_group(
        "Keystone options", "Accepted for cgtsclient compatibility; not used yet").add_argument
    for name in ("auth-url", "project-name", "project-id", "region-name",
                 "user-domain-name", "user-domain-id", "project-domain-name",
                 "project-domain-id", "tenant-name", "tenant-id", "endpoint-type",
                 "service-type"):
        var = "OS_" + name.upper().replace("-", "_")
        add("--os-" + name, default=env(var),
            help=f"Defaults to env[{var}]")
    # cgtsclient also accepts the underscore spellings (hidden from help).
    add = parser.add_argument
    for name in ("system_url", "os_username", "os_password", "os_auth_token"):
        add("--" + name, dest=name, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG, usage="%(prog)s [options] <subcommand> ...",
        description="Command-line interface for System Inventory and Maintenance "
                    "(sysinv-edgeworker).",
        epilog='See "system help COMMAND" for help on a specific command.',
        formatter_class=HelpFormatter)
    _global_options(parser)
    subparsers = parser.add_subparsers(metavar="<subcommand>", dest="command")
    commands = {}
    for module in _command_modules():
        for name in sorted(n for n in dir(module) if n.startswith("do_")):
            _define(subparsers, commands, name[3:].replace("_", "-"), getattr(module, name))
    _define(subparsers, commands, "help", do_help)
    _define(subparsers, commands, "bash_completion", do_bash_completion)
    parser.set_defaults(commands=commands, parser=parser)
    return parser


def _define(subparsers, commands, command, func):
    doc = (func.__doc__ or "").strip()
    sub = subparsers.add_parser(command, prog=f"{PROG} {command}",
                                help=doc.split("\n")[0], description=doc,
                                formatter_class=HelpFormatter)
    for args, kwargs in getattr(func, "arguments", []):
        sub.add_argument(*args, **kwargs)
    sub.set_defaults(func=func)
    commands[command] = sub


@arg("command_name", metavar="<subcommand>", nargs="?",
     help="Display help for <subcommand>")
def do_help(args):
    """Display help about this program or one of its subcommands."""
    if args.command_name:
        if args.command_name not in args.commands:
            raise exc.CommandError(f"'{args.command_name}' is not a valid subcommand")
        args.commands[args.command_name].print_help()
    else:
        args.parser.print_help()


def do_bash_completion(args):
    """Print all commands and options (for shell completion)."""
    words = {c for c in args.commands if c != "bash_completion"}
    for sub in args.commands.values():
        words.update(o for o in sub._option_string_actions if o.startswith("--"))
    print(" ".join(sorted(words)))


def _client(args):
    from cgtsclient_ext.client import get_client

    url = getattr(args, "system_url", None) or None
    if not url and (args.config_file or args.config_dir):
        from cgtsclient_ext.config import endpoint_from_config

        url = endpoint_from_config(args.config_file, args.config_dir)
    return get_client(
        system_url=url,
        username=getattr(args, "os_username", None) or None,
        password=getattr(args, "os_password", None) or None,
        token=getattr(args, "os_auth_token", None) or None,
        timeout=args.timeout, insecure=args.insecure, ca_file=args.ca_file or None,
        debug=args.debug)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if args.func in (do_help, do_bash_completion):
            status = args.func(args) or 0
        else:
            status = args.func(_client(args), args) or 0
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return status
    except exc.ClientException as err:
        print(str(err), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`: not an error worth a traceback.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
