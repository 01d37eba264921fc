"""Request context passed from the API to the conductor (as a plain dict over RPC)."""

from oslo_context import context


class RequestContext(context.RequestContext):
    @classmethod
    def from_environ_or_admin(cls, environ=None):
        if environ:
            return cls.from_environ(environ)
        return cls(is_admin=True)


def get_admin_context():
    return RequestContext(is_admin=True)
