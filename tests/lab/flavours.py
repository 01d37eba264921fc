"""Host flavours: what turns a copy of the Debian base into an Ubuntu-like or RPM-family host."""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Flavour:
    name: str
    distribution: str  # what Ansible's ansible_distribution must report
    version: str  # ansible_distribution_version (fnmatch pattern)
    major: str  # ansible_distribution_major_version
    os_family: str  # ansible_os_family
    pkg_mgr: str  # ansible_pkg_mgr
    layer: str = None  # extra cached layer under the host (see base.LAYERS)
    files: dict = field(default_factory=dict)  # path -> content written into the host root
    remove: tuple = ()  # paths removed from the host root

    @property
    def is_rpm(self):
        return self.pkg_mgr == "dnf"


def _ubuntu(version, point, codename, title, debian_version):
    pretty = f"Ubuntu {point} LTS"
    return {
        "etc/os-release": (
            f'PRETTY_NAME="{pretty}"\nNAME="Ubuntu"\nVERSION_ID="{version}"\n'
            f'VERSION="{point} LTS ({title})"\nVERSION_CODENAME={codename}\n'
            "ID=ubuntu\nID_LIKE=debian\n"
            'HOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\n'
            'BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\n'
            f"UBUNTU_CODENAME={codename}\n"
        ),
        "etc/lsb-release": (
            f"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={version}\nDISTRIB_CODENAME={codename}\n"
            f'DISTRIB_DESCRIPTION="{pretty}"\n'
        ),
        "etc/debian_version": f"{debian_version}\n",
    }


def _el9(os_id, name, version, pretty, release_line, extra_release_file):
    return {
        "etc/os-release": (
            f'NAME="{name}"\nVERSION="{version}"\nID="{os_id}"\nID_LIKE="rhel centos fedora"\n'
            f'VERSION_ID="{version.split()[0]}"\nPLATFORM_ID="platform:el9"\nPRETTY_NAME="{pretty}"\n'
            f'ANSI_COLOR="0;32"\nCPE_NAME="cpe:/o:{os_id}:{os_id}:9"\n'
        ),
        "etc/redhat-release": release_line + "\n",
        "etc/system-release": release_line + "\n",
        extra_release_file: release_line + "\n",
        "etc/dnf/vars/releasever": "9\n",
        "etc/yum.repos.d/.keep": "",
    }


FLAVOURS = {
    "debian12": Flavour("debian12", "Debian", "12.*", "12", "Debian", "apt"),
    "ubuntu2204": Flavour(
        "ubuntu2204",
        "Ubuntu",
        "22.04",
        "22",
        "Debian",
        "apt",
        files=_ubuntu("22.04", "22.04.4", "jammy", "Jammy Jellyfish", "bookworm/sid"),
    ),
    "ubuntu2404": Flavour(
        "ubuntu2404",
        "Ubuntu",
        "24.04",
        "24",
        "Debian",
        "apt",
        files=_ubuntu("24.04", "24.04.1", "noble", "Noble Numbat", "trixie/sid"),
    ),
    "rocky9": Flavour(
        "rocky9",
        "Rocky",
        "9.3",
        "9",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el9(
            "rocky",
            "Rocky Linux",
            "9.3 (Blue Onyx)",
            "Rocky Linux 9.3 (Blue Onyx)",
            "Rocky Linux release 9.3 (Blue Onyx)",
            "etc/rocky-release",
        ),
        remove=("etc/debian_version", "etc/lsb-release"),
    ),
    "centos9": Flavour(
        "centos9",
        "CentOS",
        "9",
        "9",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el9(
            "centos",
            "CentOS Stream",
            "9",
            "CentOS Stream 9",
            "CentOS Stream release 9",
            "etc/centos-release",
        ),
        remove=("etc/debian_version", "etc/lsb-release"),
    ),
}


def get(name):
    try:
        return FLAVOURS[name]
    except KeyError:
        raise ValueError(
            f"unknown flavour {name!r}; known: {', '.join(sorted(FLAVOURS))}"
        ) from None


def apply(flavour, root):
    """Turn the (overlay) root into the flavour; symlinks (os-release) are replaced."""
    root = Path(root)
    for rel in flavour.remove:
        target = root / rel
        if target.exists() or target.is_symlink():
            target.unlink()
    for rel, content in flavour.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_text(content)
