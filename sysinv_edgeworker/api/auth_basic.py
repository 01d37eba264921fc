"""HTTP Basic authentication against an htpasswd file holding bcrypt hashes.

The file is Apache's format (``htpasswd -B``): one ``user:hash`` line per user, blank lines
and ``#`` comments allowed. Only bcrypt (``$2a$``/``$2b$``/``$2y$``) is accepted: a line
with another scheme is a configuration error, never a silent lock-out.

The file is parsed at start-up (any problem raises ``ConfigurationError``) and re-read when
its inode, size or modification time changes. A changed file that cannot be read or parsed
keeps the users loaded before and logs one error per change.

Passwords and hashes are never logged or put into messages; neither is the Authorization
header, which is removed from the WSGI environment before the request goes on.
"""

import base64
import binascii
import os
import re
import stat
import threading

import bcrypt
from oslo_log import log

from sysinv_edgeworker.api import policy
from sysinv_edgeworker.common import exception

LOG = log.getLogger(__name__)

REALM = "sysinv-edgeworker"
ADMIN_ROLE, READER_ROLE = "admin", "reader"
BCRYPT_MAX_BYTES = 72  # bcrypt only ever uses the first 72 bytes of a password
_BCRYPT = re.compile(r"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")

MISSING = ("Authentication required: this API uses HTTP Basic authentication; send a "
           "username and password (system --os-username/--os-password).")
INVALID = "Authentication failed: invalid username or password."
MALFORMED = "Authentication failed: the Authorization header is not valid HTTP Basic."


def parse_user_file(path):
    """{user: hash bytes} from an htpasswd file; ConfigurationError naming the problem."""
    def fail(why):
        return exception.ConfigurationError(
            reason="http_basic_auth_user_file %s: %s" % (path, why))
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as err:
        raise fail(err.strerror or str(err)) from None
    except UnicodeDecodeError:
        raise fail("not valid UTF-8 text") from None
    users = {}
    for number, line in enumerate(lines, 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        user, sep, crypted = entry.partition(":")
        if not sep or not user:
            raise fail("line %d is not 'user:hash'" % number)
        if not _BCRYPT.match(crypted):
            raise fail("line %d: the password of user '%s' is not a bcrypt hash; create "
                       "it with htpasswd -B (only bcrypt is accepted)" % (number, user))
        if user in users:
            raise fail("line %d: user '%s' appears twice" % (number, user))
        users[user] = crypted.encode("ascii")
    if not users:
        raise fail("no users (add one with: htpasswd -B %s <user>)" % path)
    return users


def _stamp(path):
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


class UserFile:
    """The users of an htpasswd file, re-read when the file changes."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._users = parse_user_file(path)
        try:
            self._stamp = _stamp(path)
            mode = os.stat(path).st_mode
        except OSError as err:
            raise exception.ConfigurationError(
                reason="http_basic_auth_user_file %s: %s" % (path, err.strerror)) from None
        if mode & stat.S_IROTH:
            LOG.warning("http_basic_auth_user_file %s is readable by every local user; "
                        "chmod o-r it", path)
        self._failed_stamp = None

    @property
    def users(self):
        try:
            current = _stamp(self.path)
        except OSError as err:
            current = ("unreadable", err.errno)
        if current == self._stamp:
            return self._users
        with self._lock:
            if current not in (self._stamp, self._failed_stamp):
                try:
                    self._users = parse_user_file(self.path)
                    self._stamp = current
                    self._failed_stamp = None
                    LOG.info("Reloaded %d users from %s", len(self._users), self.path)
                except exception.ConfigurationError as err:
                    self._failed_stamp = current
                    LOG.error("%s; keeping the %d users loaded before", err,
                              len(self._users))
            return self._users

    def check(self, username, password):
        """True when ``password`` (bytes) is ``username``'s password."""
        users = self.users
        crypted = users.get(username)
        password = password[:BCRYPT_MAX_BYTES]
        if crypted is None:
            # Same bcrypt work as for a known user, so timing does not reveal user names.
            bcrypt.checkpw(password, next(iter(users.values())))
            return False
        return bcrypt.checkpw(password, crypted)


def parse_authorization(header):
    """(username, password bytes) from a Basic header; None when it is not valid Basic."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
        username, sep, password = raw.partition(b":")
        if not sep:
            return None
        return username.decode("utf-8"), password
    except (binascii.Error, ValueError):
        return None


class BasicAuthMiddleware:
    """Authenticates every request it sees, then marks the environ as keystonemiddleware
    does (X-Identity-Status, X-User-Name, X-Roles) for the policy middleware."""

    def __init__(self, app, user_file, readonly_users=()):
        self.app = app
        self.user_file = user_file if isinstance(user_file, UserFile) else UserFile(user_file)
        self.readonly = frozenset(readonly_users)
        unknown = sorted(self.readonly - set(self.user_file.users))
        if unknown:
            LOG.warning("[api] readonly_users names users absent from %s: %s",
                        self.user_file.path, ", ".join(unknown))

    def __call__(self, environ, start_response):
        policy.strip_identity(environ)
        header = environ.pop("HTTP_AUTHORIZATION", None)
        if header is None:
            return self._unauthorized(start_response, MISSING)
        credentials = parse_authorization(header)
        if credentials is None:
            return self._unauthorized(start_response, MALFORMED)
        username, password = credentials
        if not self.user_file.check(username, password):
            LOG.info("HTTP Basic authentication failed for user %r from %s", username,
                     environ.get("REMOTE_ADDR", "?"))
            return self._unauthorized(start_response, INVALID)
        role = READER_ROLE if username in self.readonly else ADMIN_ROLE
        environ.update({"HTTP_X_IDENTITY_STATUS": "Confirmed", "HTTP_X_USER_ID": username,
                        "HTTP_X_USER_NAME": username, "HTTP_X_ROLES": role})
        return self.app(environ, start_response)

    @staticmethod
    def _unauthorized(start_response, message):
        return policy.refuse(start_response, 401, message,
                             [("WWW-Authenticate", 'Basic realm="%s", charset="UTF-8"' % REALM)])
