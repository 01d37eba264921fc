"""Entry point to the database layer: ``get_instance()`` returns the Connection."""

_INSTANCE = None


def get_instance():
    global _INSTANCE
    if _INSTANCE is None:
        from sysinv_edgeworker.db.sqlalchemy import api as impl
        _INSTANCE = impl.Connection()
    return _INSTANCE
