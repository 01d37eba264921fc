"""Every target OS the design names, one lab host each (light ssh mode), in one run: the
preflight playbook finds each OS supported, and the packages role (the OS-dependent part of the
provision playbook: repository, keyring, exact version, hold, node tools) installs the pinned
kubelet/kubeadm/kubectl on each. One report line per flavour.

Light mode has no systemd, so preflight's only problem on these hosts must be the init system.
One more Rocky 8 host runs Ansible on a Python without the dnf bindings, as a real EL8 does with
ansible-core 2.19 (python3-dnf exists only for platform-python 3.6 there): preflight says so.

The EL8 flavours run a second time, on fresh hosts, with the ansible-core 2.16 controller venv
(.venv-el8, requirements-el8.txt) that real EL8 hosts need: preflight and the packages role
under 2.16, with ansible_python_interpreter=/usr/libexec/platform-python as docs/playbook.md
tells operators to set, and a host whose Python lacks dnf is told to set exactly that.
What this proves: the playbook's preflight and package tasks (and the callback plugin and
kubernetes.core queries on localhost) work under ansible-core 2.16 against EL8 stand-ins.
What it does not: that they work on Python 3.6. The lab has no 3.6 (Debian 12 has 3.11 only),
so /usr/libexec/platform-python on these hosts is a symlink to Debian's python3.11; the
modules' 3.6 compatibility rests on ansible-core 2.16's own support for it.

Real: SSH, apt/dpkg and dnf/rpm against the lab's signed repos, Ansible's own fact gathering on
each flavour's release files. Not real: the hosts are the Debian base root under each flavour's
release files (tests/lab/flavours.py), so the package managers are Debian's apt and dnf, not
the distribution's own (docs/lab.md); the kube packages carry the lab's doubles.
"""

import re
from types import SimpleNamespace

import pytest

from tests.lab import flavours
from tests.lab.ansible_run import EL8_BIN, playbook, recap
from tests.lab.provision_run import PLAYBOOK_DIR, PREFLIGHT, failure_text, provision

pytestmark = pytest.mark.lab

VERSION = "1.29.2"
NAMES = sorted(flavours.FLAVOURS)
EL8 = ["alma8", "centos8", "rocky8"]
PLATFORM_PYTHON = "/usr/libexec/platform-python"
ROLE = PLAYBOOK_DIR / "roles/edgeworker_kube_packages"
PACKAGES_PLAY = [
    {
        "name": "Lab | the OS-dependent package steps of provision_edgeworker",
        "hosts": "all",
        "gather_facts": True,
        "tasks": [
            {"name": "Lab | packages role", "ansible.builtin.include_role": {"name": str(ROLE)}}
        ],
    }
]


def _host_name(flavour):
    return "fm" + flavour.replace("ubuntu", "u").replace("debian", "d")


def _versions(host):
    query = (
        "rpm -q --qf '%{VERSION}\\n' kubelet kubeadm kubectl"
        if host.flavour.is_rpm
        else "dpkg-query -W -f '${Version}\\n' kubelet kubeadm kubectl"
    )
    return [v.split("-")[0] for v in host.ssh(query, check=False).stdout.split()]


@pytest.fixture(scope="module")
def matrix(lab, lab_cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("flavour-matrix")
    hosts = {}
    try:
        for name in NAMES:
            hosts[name] = lab.add_host(_host_name(name), name, "ssh")
        # EL8 with python3.11 from AppStream: a Python >= 3.8 without python3-dnf on its path
        nodnf = lab.add_host("fmel8py", "rocky8", "ssh")
        hosts["el8-python311"] = nodnf
        nodnf.ssh("python3 -m venv --without-pip /opt/python311")
        before = {
            name: host.ssh("test -d /etc/apt/keyrings", check=False).returncode == 0
            for name, host in hosts.items()
        }
        pre = provision(
            lab,
            list(hosts.values()),
            work / "preflight",
            playbook=PREFLIGHT,
            host_vars={nodnf.name: {"ansible_python_interpreter": "/opt/python311/bin/python3"}},
        )
        run = playbook(
            lab,
            [hosts[name] for name in NAMES],
            PACKAGES_PLAY,
            work / "packages",
            {
                "edgeworker_kube_version": VERSION,
                "edgeworker_kube_repo_base": f"{lab.repos.base_url}/core:/stable:/",
            },
            check=False,
        )
        yield SimpleNamespace(
            hosts=hosts, pre=pre, run=run, stats=recap(run.stdout), keyrings_before=before
        )
    finally:
        for host in hosts.values():
            lab.remove_host(host.name)


@pytest.fixture(scope="module")
def matrix_216(lab, lab_cluster, tmp_path_factory):
    """The EL8 flavours again, on their own hosts, with .venv-el8's ansible-playbook (2.16)."""
    if not (EL8_BIN / "ansible-playbook").exists():
        pytest.skip(f"{EL8_BIN}/ansible-playbook is absent: bash .ci/install makes .venv-el8")
    work = tmp_path_factory.mktemp("flavour-matrix-216")
    hosts = {}
    try:
        for name in EL8:
            hosts[name] = lab.add_host("f16" + name, name, "ssh")
            # a stand-in: Debian's python3.11 under the EL8 name the docs tell operators to use
            hosts[name].ssh(f"ln -s /usr/bin/python3 {PLATFORM_PYTHON}")
        nodnf = lab.add_host("f16el8py", "rocky8", "ssh")
        hosts["el8-python311"] = nodnf
        nodnf.ssh("python3 -m venv --without-pip /opt/python311")
        interpreters = {
            h.name: {"ansible_python_interpreter": PLATFORM_PYTHON} for h in hosts.values()
        }
        interpreters[nodnf.name] = {"ansible_python_interpreter": "/opt/python311/bin/python3"}
        pre = provision(
            lab,
            list(hosts.values()),
            work / "preflight",
            playbook=PREFLIGHT,
            host_vars=interpreters,
            bin_dir=EL8_BIN,
        )
        version = {
            "name": "Lab | the ansible-core version",
            "ansible.builtin.debug": {"msg": "ansible-core {{ ansible_version.full }}"},
        }
        play = [
            {
                **PACKAGES_PLAY[0],
                "vars": {"ansible_python_interpreter": PLATFORM_PYTHON},
                "tasks": [version, *PACKAGES_PLAY[0]["tasks"]],
            }
        ]
        run = playbook(
            lab,
            [hosts[name] for name in EL8],
            play,
            work / "packages",
            {
                "edgeworker_kube_version": VERSION,
                "edgeworker_kube_repo_base": f"{lab.repos.base_url}/core:/stable:/",
            },
            check=False,
            bin_dir=EL8_BIN,
        )
        yield SimpleNamespace(hosts=hosts, pre=pre, run=run, stats=recap(run.stdout))
    finally:
        for host in hosts.values():
            lab.remove_host(host.name)


def test_the_matrix_covers_every_target_the_design_names():
    assert NAMES == sorted(
        [
            "ubuntu2004",
            "ubuntu2204",
            "ubuntu2404",
            "debian12",
            "centos8",
            "centos9",
            "rocky8",
            "rocky9",
            "alma8",
            "alma9",
        ]
    )


def _preflight_problems(result, host):
    found = re.findall(rf'"Preflight failed on {host.name}: ([^"]*)"', result.stdout)
    assert found, failure_text(result)
    lines = [line for line in result.stdout.splitlines() if host.name in line]
    return found[0].split("; "), "\n".join(lines)[-6000:]


@pytest.mark.parametrize("flavour", NAMES)
def test_preflight_finds_the_os_supported(matrix, flavour):
    problems, lines = _preflight_problems(matrix.pre, matrix.hosts[flavour])
    assert len(problems) == 1 and re.fullmatch(
        r"the init system is \S+, not systemd", problems[0]
    ), lines  # light mode: no systemd; nothing else (OS, version, dnf bindings) is wrong


def test_preflight_refuses_an_el8_python_without_dnf(matrix):
    problems, lines = _preflight_problems(matrix.pre, matrix.hosts["el8-python311"])
    assert len(problems) == 2, lines
    assert problems[1].startswith(
        "the Python Ansible runs here (/opt/python311/bin/python3 3.11."
    ), problems
    assert "cannot import dnf (python3-dnf)" in problems[1]
    assert "platform-python 3.6, which ansible-core 2.19." in problems[1]


@pytest.mark.parametrize("flavour", NAMES)
def test_pinned_packages_installed_and_held(matrix, flavour):
    host = matrix.hosts[flavour]
    stats = matrix.stats.get(host.name)
    assert stats and stats["failed"] == 0, matrix.run.stdout[-6000:]
    assert _versions(host) == [VERSION] * 3
    assert host.ssh("kubelet --version").stdout.strip() == f"Kubernetes v{VERSION}"
    if host.flavour.is_rpm:
        repo = host.file("/etc/yum.repos.d/kubernetes.repo").read_text()
        assert "exclude = kubelet kubeadm kubectl" in repo
        assert f"/v{VERSION.rsplit('.', 1)[0]}/rpm/" in repo
    else:
        assert host.ssh("apt-mark showhold").stdout.split() == ["kubeadm", "kubectl", "kubelet"]
        keyring = f"/etc/apt/keyrings/kubernetes-v{VERSION.rsplit('.', 1)[0]}-apt-keyring.asc"
        assert host.ssh(f"stat -c %a /etc/apt/keyrings; test -s {keyring}").stdout.strip() == "755"


def test_ubuntu2004_had_no_keyring_dir_and_got_one(matrix):
    # the per-OS difference: apt < 2.4 (Ubuntu 20.04) ships no /etc/apt/keyrings
    assert matrix.keyrings_before["ubuntu2004"] is False
    assert matrix.keyrings_before["ubuntu2204"] is True
    assert matrix.stats[matrix.hosts["ubuntu2004"].name]["failed"] == 0


@pytest.mark.parametrize("flavour", EL8)
def test_el8_under_ansible_core_2_16_preflight_finds_the_os_supported(matrix_216, flavour):
    assert matrix_216.pre.args[0] == str(EL8_BIN / "ansible-playbook")
    # the progress callback (ansible.cfg) ran under 2.16 too: its recap names the host
    recaps = [line for line in matrix_216.pre.stderr.splitlines() if " recap: " in line]
    assert recaps and f" {matrix_216.hosts[flavour].name} ok=" in recaps[-1], recaps
    problems, lines = _preflight_problems(matrix_216.pre, matrix_216.hosts[flavour])
    assert len(problems) == 1 and re.fullmatch(
        r"the init system is \S+, not systemd", problems[0]
    ), lines


def test_el8_under_ansible_core_2_16_a_python_without_dnf_is_told_the_interpreter(matrix_216):
    problems, lines = _preflight_problems(matrix_216.pre, matrix_216.hosts["el8-python311"])
    assert len(problems) == 2, lines
    assert "cannot import dnf (python3-dnf)" in problems[1]
    assert problems[1].endswith(
        "platform-python 3.6, so set ansible_python_interpreter to /usr/libexec/platform-python"
        " for this host"
    ), problems


@pytest.mark.parametrize("flavour", EL8)
def test_el8_under_ansible_core_2_16_pinned_packages_installed_and_held(matrix_216, flavour):
    host = matrix_216.hosts[flavour]
    assert '"msg": "ansible-core 2.16.' in matrix_216.run.stdout, matrix_216.run.stdout[-3000:]
    stats = matrix_216.stats.get(host.name)
    assert stats and stats["failed"] == 0, matrix_216.run.stdout[-6000:]
    assert _versions(host) == [VERSION] * 3
    assert host.ssh("kubelet --version").stdout.strip() == f"Kubernetes v{VERSION}"
    repo = host.file("/etc/yum.repos.d/kubernetes.repo").read_text()
    assert "exclude = kubelet kubeadm kubectl" in repo
