"""Resource objects and the list/get/create/update/delete plumbing they share."""

import urllib.parse

from cgtsclient_ext import exc

MAX_PAGES = 10000


class Resource:
    """A server object: its fields are attributes, ``to_dict()`` gives them back."""

    def __init__(self, info):
        self._info = dict(info)
        for key, value in self._info.items():
            if not key.startswith("_"):
                setattr(self, key, value)

    def to_dict(self):
        return dict(self._info)

    def __getitem__(self, key):
        return self._info[key]

    def get(self, key, default=None):
        return self._info.get(key, default)

    def __repr__(self):
        ident = self._info.get("hostname") or self._info.get("name") or self._info.get("uuid")
        return f"<{self.__class__.__name__} {ident}>"


class Manager:
    """One REST collection, e.g. ``/v1/ihosts`` whose list key is ``ihosts``."""

    resource_class = Resource
    collection = None  # e.g. "ihosts"

    def __init__(self, http):
        self.http = http

    @property
    def path(self):
        return "/v1/" + self.collection

    def item_path(self, ident):
        return self.path + "/" + urllib.parse.quote(str(ident), safe="")

    def _list(self, params=None, path=None):
        """Every object of the collection (at ``path``, default the collection's own),
        following ``next`` links page by page."""
        results = []
        doc = self.http.get(path or self.path, params=params)
        seen = set()
        for _ in range(MAX_PAGES):
            doc = doc or {}
            results.extend(self.resource_class(o) for o in doc.get(self.collection, []))
            nxt = doc.get("next")
            if not nxt:
                return results
            if nxt in seen:
                raise exc.CommandError(f"The service returned the same next page twice: {nxt}")
            seen.add(nxt)
            doc = self.http.get(nxt)
        raise exc.CommandError(f"More than {MAX_PAGES} pages of {self.collection}")

    def get(self, ident):
        return self.resource_class(self.http.get(self.item_path(ident)))
