"""Host flavours: what turns a copy of the Debian base into an Ubuntu-like or RPM-family host."""

import shutil
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
    remove: tuple = ()  # paths (files or directories) removed from the host root
    release: str = ""  # ansible_distribution_release, where the test checks it

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


def _el(major, os_id, name, version, pretty, release_line, extra_release_file, like, cpe):
    """An EL major's release files, as the distribution's own *-release package writes them."""
    return {
        "etc/os-release": (
            f'NAME="{name}"\nVERSION="{version}"\nID="{os_id}"\nID_LIKE="{like}"\n'
            f'VERSION_ID="{version.split()[0]}"\nPLATFORM_ID="platform:el{major}"\n'
            f'PRETTY_NAME="{pretty}"\nANSI_COLOR="0;32"\nCPE_NAME="{cpe}"\n'
        ),
        "etc/redhat-release": release_line + "\n",
        "etc/system-release": release_line + "\n",
        extra_release_file: release_line + "\n",
        "etc/dnf/vars/releasever": f"{major}\n",
        "etc/yum.repos.d/.keep": "",
    }


def _el9(os_id, name, version, pretty, release_line, extra_release_file):
    return _el(
        "9",
        os_id,
        name,
        version,
        pretty,
        release_line,
        extra_release_file,
        "rhel centos fedora",
        f"cpe:/o:{os_id}:{os_id}:9",
    )


_NOT_DEBIAN = ("etc/debian_version", "etc/lsb-release")


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
        release="jammy",
    ),
    "ubuntu2404": Flavour(
        "ubuntu2404",
        "Ubuntu",
        "24.04",
        "24",
        "Debian",
        "apt",
        files=_ubuntu("24.04", "24.04.1", "noble", "Noble Numbat", "trixie/sid"),
        release="noble",
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
        remove=_NOT_DEBIAN,
        release="Blue Onyx",
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
        remove=_NOT_DEBIAN,
        release="Stream",
    ),
    # Ubuntu 20.04: apt 2.0 does not ship /etc/apt/keyrings (apt >= 2.4, i.e. 22.04 and Debian
    # 12, create it); the pkgs.k8s.io instructions' `mkdir -p -m 755 /etc/apt/keyrings` exists
    # for this release. Removed from the (Debian 12) base root.
    "ubuntu2004": Flavour(
        "ubuntu2004",
        "Ubuntu",
        "20.04",
        "20",
        "Debian",
        "apt",
        files=_ubuntu("20.04", "20.04.6", "focal", "Focal Fossa", "bullseye/sid"),
        remove=("etc/apt/keyrings",),
        release="focal",
    ),
    # EL8: os-release/*-release as centos-stream-release 8.6, rocky-release 8.9 and
    # almalinux-release 8.9 install them (PLATFORM_ID platform:el8, releasever 8).
    "centos8": Flavour(
        "centos8",
        "CentOS",
        "8",
        "8",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el(
            "8",
            "centos",
            "CentOS Stream",
            "8",
            "CentOS Stream 8",
            "CentOS Stream release 8",
            "etc/centos-release",
            "rhel fedora",
            "cpe:/o:centos:centos:8",
        ),
        remove=_NOT_DEBIAN,
        release="Stream",
    ),
    "rocky8": Flavour(
        "rocky8",
        "Rocky",
        "8.9",
        "8",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el(
            "8",
            "rocky",
            "Rocky Linux",
            "8.9 (Green Obsidian)",
            "Rocky Linux 8.9 (Green Obsidian)",
            "Rocky Linux release 8.9 (Green Obsidian)",
            "etc/rocky-release",
            "rhel centos fedora",
            "cpe:/o:rocky:rocky:8:GA",
        ),
        remove=_NOT_DEBIAN,
        release="Green Obsidian",
    ),
    "alma8": Flavour(
        "alma8",
        "AlmaLinux",
        "8.9",
        "8",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el(
            "8",
            "almalinux",
            "AlmaLinux",
            "8.9 (Midnight Oncilla)",
            "AlmaLinux 8.9 (Midnight Oncilla)",
            "AlmaLinux release 8.9 (Midnight Oncilla)",
            "etc/almalinux-release",
            "rhel centos fedora",
            "cpe:/o:almalinux:almalinux:8::baseos",
        ),
        remove=_NOT_DEBIAN,
        release="Midnight Oncilla",
    ),
    "alma9": Flavour(
        "alma9",
        "AlmaLinux",
        "9.3",
        "9",
        "RedHat",
        "dnf",
        layer="rpm",
        files=_el(
            "9",
            "almalinux",
            "AlmaLinux",
            "9.3 (Shamrock Pampas Cat)",
            "AlmaLinux 9.3 (Shamrock Pampas Cat)",
            "AlmaLinux release 9.3 (Shamrock Pampas Cat)",
            "etc/almalinux-release",
            "rhel centos fedora",
            "cpe:/o:almalinux:almalinux:9::baseos",
        ),
        remove=_NOT_DEBIAN,
        release="Shamrock Pampas Cat",
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
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # on the overlay: a whiteout, the base root keeps it
        elif target.exists() or target.is_symlink():
            target.unlink()
    for rel, content in flavour.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_text(content)
