"""/healthz and the API's documentation page."""

from unittest import mock

from django.db.utils import OperationalError


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in ("sqlite", "postgresql")


def test_healthz_is_503_when_the_database_is_down(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {
        "status": "error",
        "vendor": response.json()["database"]["vendor"],
        "error": "gone",
    }


def test_api_docs_use_the_bundled_swagger_not_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html
