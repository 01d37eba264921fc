"""The controller's image registry, served the way a StarlingX controller serves it:
``registry.local:9001``, TLS, htpasswd credentials.

The registry is Debian's ``docker-registry`` (github.com/docker/distribution 2.8), started as
``ip netns exec <netns> docker-registry serve <config>`` in a lab network namespace.  Its server
certificate (DNS ``registry.local`` and the IP) is issued by a registry CA of its own under the
run directory; the htpasswd file holds one bcrypt entry for a random per-run password, kept in a
0600 file and never put on a command line.  Storage, keys, config, pid file and log live in
``<run_dir>/registry/`` (0700); ``down()`` (and the lab sweep, through ``stop(run_dir)``) stops the
process by PID and removes that directory.

``push(images)`` uploads images built by tests/lab/images.py with the registry v2 HTTP API (blob
upload POST + PUT, manifest PUT), as ``registry.local:9001/<repository>:<tag>``.
"""

import base64
import hashlib
import http.client
import json
import secrets
import shutil
import socket
import ssl
import urllib.parse
from pathlib import Path

import bcrypt
import yaml

from tests.lab import images as imagemod
from tests.lab import pki
from tests.lab.proc import alive, read_pid, spawn, stop_pidfile, wait_port

NAME = "registry"
HOSTNAME = "registry.local"
PORT = 9001
USERNAME = "admin"  # StarlingX's registry user for the platform images
BINARY = "/usr/bin/docker-registry"  # Debian's docker-registry package (dpkg -L docker-registry)


class RegistryError(RuntimeError):
    def __init__(self, what, status, body):
        self.status = status
        super().__init__(f"registry: {what}: HTTP {status}: {body[:500]!r}")


class RealRegistry:
    def __init__(self, run_dir, netns, ip, port=PORT, ca_dir=None):
        self.dir = Path(run_dir) / NAME
        self.netns, self.address, self.port = netns, ip, port
        self.host = f"{HOSTNAME}:{port}"
        self.ca_dir = Path(ca_dir) if ca_dir else self.dir / "ca"
        self.username = USERNAME
        self.password = None
        self.images = {}  # name -> reference, filled by push()
        self.pidfile, self.log = self.dir / "registry.pid", self.dir / "registry.log"

    @property
    def ca_cert_file(self):
        return self.ca_dir / "ca.crt"

    @property
    def ca_cert_pem(self):
        return self.ca_cert_file.read_text()

    # ---- lifecycle ------------------------------------------------------------------------------
    def up(self):
        if self.dir.exists():
            raise RuntimeError(f"{self.dir} exists: a registry runs there already (down() first)")
        self.dir.mkdir(parents=True, mode=0o700)
        self.dir.chmod(0o700)
        if not self.ca_cert_file.exists():
            pki.create_ca(self.ca_dir, common_name="edgelab-registry-ca")
        cert, key = pki.issue(
            self.ca_cert_file,
            self.ca_dir / "ca.key",
            self.dir / "server",
            HOSTNAME,
            ips=[self.address],
            dns=[HOSTNAME],
            server=True,
        )
        self.password = secrets.token_urlsafe(24)
        pki.write_secret(self.dir / "password", self.password.encode() + b"\n")
        hashed = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt()).decode()
        pki.write_secret(self.dir / "htpasswd", f"{self.username}:{hashed}\n".encode())
        conf = {
            "version": 0.1,
            "log": {"level": "info", "fields": {"service": "registry"}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.dir / "storage")},
                "delete": {"enabled": False},
            },
            "http": {
                "addr": f"{self.address}:{self.port}",
                "secret": secrets.token_hex(32),
                "tls": {"certificate": str(cert), "key": str(key)},
                "headers": {"X-Content-Type-Options": ["nosniff"]},
            },
            "auth": {"htpasswd": {"realm": HOSTNAME, "path": str(self.dir / "htpasswd")}},
        }
        pki.write_secret(self.dir / "config.yml", yaml.safe_dump(conf).encode())
        try:
            proc = spawn(
                ["ip", "netns", "exec", self.netns, BINARY, "serve", self.dir / "config.yml"],
                self.log,
                pidfile=self.pidfile,
            )
            wait_port(self.address, self.port, timeout=30, pid=proc.pid, log_path=self.log)
        except BaseException:
            self.down()  # the error carries the log's tail
            raise
        return self

    def down(self):
        stop(self.dir.parent)

    # ---- the v2 API -----------------------------------------------------------------------------
    def client(self, username=None, password=None, anonymous=False):
        """A v2 API client that connects to the address and verifies the certificate for
        registry.local against the registry CA (as containerd does through /etc/hosts)."""
        creds = None if anonymous else (username or self.username, password or self.secret())
        return Client(self.address, self.port, HOSTNAME, self.ca_cert_file, creds)

    def secret(self):
        """The run's password (from its 0600 file when this object did not start the registry)."""
        if self.password is None:
            self.password = (self.dir / "password").read_text().strip()
        return self.password

    def push(self, images=None):
        """Upload images ({name: images.Image}; default: images.ensure()) and return
        {name: "registry.local:9001/<repository>:<tag>"}."""
        images = images if images is not None else imagemod.ensure()
        api = self.client()
        for name, image in images.items():
            for digest in image.digests():
                api.put_blob(image.repository, digest, image.blob(digest))
            digest = api.put_manifest(image.repository, image.tag, image.manifest)
            if digest != image.manifest_digest:
                raise RuntimeError(
                    f"registry stored {name} as {digest}, not {image.manifest_digest}"
                )
            self.images[name] = f"{self.host}/{image.repository}:{image.tag}"
        return dict(self.images)


def stop(run_dir):
    """Stop the registry of run_dir (by its recorded PID, only if that process still names this
    registry's config) and remove its directory.  Safe when nothing runs."""
    directory = Path(run_dir) / NAME
    pidfile = directory / "registry.pid"
    pid = read_pid(pidfile)
    if pid and alive(pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except FileNotFoundError:
            cmdline = ""
        if str(directory / "config.yml") in cmdline:
            stop_pidfile(pidfile)
    shutil.rmtree(directory, ignore_errors=True)


class _Connection(http.client.HTTPSConnection):
    """HTTPS to an address, with SNI and certificate check for a name (no DNS needed)."""

    def __init__(self, address, port, server_hostname, context):
        super().__init__(address, port, context=context, timeout=30)
        self.server_hostname = server_hostname

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_hostname)


class Client:
    """The few registry v2 calls the lab needs; Basic or Bearer auth on a 401 challenge."""

    def __init__(self, address, port, hostname, ca_file, credentials=None):
        self.address, self.port, self.hostname = address, port, hostname
        self.context = ssl.create_default_context(cafile=str(ca_file))
        self.credentials = credentials
        self.authorization = None

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body) of one call, answering an auth challenge once."""
        for _attempt in range(2):
            sent = {"Host": f"{self.hostname}:{self.port}", **(headers or {})}
            if self.authorization:
                sent["Authorization"] = self.authorization
            conn = _Connection(self.address, self.port, self.hostname, self.context)
            try:
                conn.request(method, path, body=body, headers=sent)
                resp = conn.getresponse()
                status, got, data = resp.status, resp.headers, resp.read()
            finally:
                conn.close()
            if status != 401 or not self.credentials or self.authorization:
                return status, got, data
            self.authorization = self._answer(got.get("WWW-Authenticate", ""))
        return status, got, data

    def _answer(self, challenge):
        scheme, _, params = challenge.partition(" ")
        user, password = self.credentials
        basic = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if scheme.lower() == "basic":
            return basic
        if scheme.lower() == "bearer":  # token auth: fetch a token from the realm
            fields = dict(
                (k.strip(), v.strip('"'))
                for k, _, v in (p.partition("=") for p in params.split(","))
            )
            realm = urllib.parse.urlsplit(fields.pop("realm"))
            query = urllib.parse.urlencode(fields)
            status, _, data = self._raw("GET", f"{realm.path}?{query}", {"Authorization": basic})
            if status != 200:
                raise RegistryError("token request", status, data)
            token = json.loads(data)
            return "Bearer " + (token.get("token") or token["access_token"])
        raise RegistryError(f"unknown auth challenge {challenge!r}", 401, b"")

    def _raw(self, method, path, headers):
        conn = _Connection(self.address, self.port, self.hostname, self.context)
        try:
            conn.request(method, path, headers={"Host": f"{self.hostname}:{self.port}", **headers})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def get_json(self, path):
        status, _, data = self.request("GET", path)
        if status != 200:
            raise RegistryError(f"GET {path}", status, data)
        return json.loads(data)

    def put_blob(self, repository, digest, data):
        """Upload one blob unless the registry has it (HEAD), as POST + PUT (monolithic)."""
        if hashlib.sha256(data).hexdigest() != digest.split(":", 1)[1]:
            raise ValueError(f"blob content does not match {digest}")
        status, _, _ = self.request("HEAD", f"/v2/{repository}/blobs/{digest}")
        if status == 200:
            return False
        status, headers, body = self.request(
            "POST", f"/v2/{repository}/blobs/uploads/", headers={"Content-Length": "0"}
        )
        if status != 202:
            raise RegistryError(f"start upload to {repository}", status, body)
        location = urllib.parse.urlsplit(headers["Location"])
        query = urllib.parse.parse_qsl(location.query) + [("digest", digest)]
        status, _, body = self.request(
            "PUT",
            f"{location.path}?{urllib.parse.urlencode(query)}",
            body=data,
            headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
        )
        if status != 201:
            raise RegistryError(f"upload {digest} to {repository}", status, body)
        return True

    def put_manifest(self, repository, tag, manifest):
        """PUT a schema 2 manifest; returns the digest the registry gives it."""
        status, headers, body = self.request(
            "PUT",
            f"/v2/{repository}/manifests/{tag}",
            body=manifest,
            headers={"Content-Type": imagemod.MEDIA_MANIFEST},
        )
        if status != 201:
            raise RegistryError(f"manifest {repository}:{tag}", status, body)
        return headers["Docker-Content-Digest"]
