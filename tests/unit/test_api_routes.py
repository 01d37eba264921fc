"""api/routes.py on a controller tree of its own: the 404/405 answers come from the routes,
so a resource added later (here a stand-in for /v1/labels) is covered with no list to edit."""

import pecan
import webtest
import wsmeext.pecan as wsme_pecan
from pecan import rest
from wsme import types as wtypes

from sysinv_edgeworker.api import hooks, middleware


class Labels(rest.RestController):
    @wsme_pecan.wsexpose(wtypes.text)
    def get_all(self):
        return "all"

    @wsme_pecan.wsexpose(wtypes.text, wtypes.text)
    def get_one(self, uuid):
        return uuid

    @wsme_pecan.wsexpose(wtypes.text, wtypes.text, body=wtypes.text)
    def post(self, host_uuid, body=None):
        return host_uuid

    @wsme_pecan.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, uuid):
        pass


class Frozen(rest.RestController):
    @pecan.expose("json")
    def get_all(self):
        return {}


class V1(rest.RestController):
    labels = Labels()
    frozen = Frozen()


class Root(rest.RestController):
    v1 = V1()


def _app():
    app = pecan.make_app(Root(), hooks=[hooks.RouteHook()], force_canonical=False,
                         guess_content_type_from_ext=False, debug=False, logging={})
    return webtest.TestApp(middleware.ParsableErrorMiddleware(app))


def test_routes_of_a_new_controller_get_their_allow():
    api = _app()
    assert api.get("/v1/labels").json == "all"
    assert api.post_json("/v1/labels/h1", "x").json == "h1"
    r = api.put("/v1/labels", status=405)
    assert r.headers["Allow"] == "GET"  # POST needs the host in the path
    r = api.patch("/v1/labels/l1", status=405)
    assert r.headers["Allow"] == "GET, POST, DELETE"
    r = api.delete("/v1/labels", status=405)
    assert r.headers["Allow"] == "GET"
    r = api.post("/v1/frozen", status=405)
    assert r.headers["Allow"] == "GET"
    assert r.json["faultstring"] == "POST is not allowed on /v1/frozen; allowed: GET."


def test_paths_nothing_serves_are_404():
    api = _app()
    for path in ("/v1/nothing", "/v1/labels/a/b/c", "/v1/frozen/x", "/v2"):
        r = api.get(path, status=404)
        assert r.json["faultstring"] == "No resource at %s." % path
        assert "Allow" not in r.headers
