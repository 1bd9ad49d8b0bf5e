"""The published OpenAPI document: public, unchanged unless on purpose, and carrying the
contract's paths and field names.

To accept an intended change of the API: `ACCORD_UPDATE_SNAPSHOTS=1 pytest tests/api/test_openapi.py`,
then review and commit tests/api/snapshots/openapi.json with the change.
"""

import json
import os
from http import HTTPStatus
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"
OPENAPI_PATH = "/openapi.json"
PREFIX = "/api/v1"


@pytest.fixture
def spec(db, api) -> dict:
    response = api(None).get(OPENAPI_PATH)
    assert response.status_code == 200
    return response.json()


STATUS_PHRASE = "<the interpreter's HTTP status phrase>"


def _stable(spec: dict) -> dict:
    """The spec without what the Python version decides: ninja describes each response with
    http.HTTPStatus's phrase, and 422's changed from "Unprocessable Entity" (3.12) to
    "Unprocessable Content" (3.13). The status codes themselves are compared."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if response.get("description") == HTTPStatus(int(code)).phrase:
                    response["description"] = STATUS_PHRASE
    return spec


def _render(spec: dict) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _differences(old: dict, new: dict, path: str = "") -> list[str]:
    """Where two JSON documents differ, as readable paths (first few only)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            where = f"{path}/{key}"
            if key not in new:
                found.append(f"removed {where}")
            elif key not in old:
                found.append(f"added {where}")
            else:
                found.extend(_differences(old[key], new[key], where))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True)) for d in _differences(a, b, f"{path}/{i}")]
    return [] if old == new else [f"changed {path or '/'}: {json.dumps(old)[:80]} → {json.dumps(new)[:80]}"]


def test_the_spec_is_public_json(db, api):
    # Given no token at all
    client = api(None)

    # When the spec is fetched
    response = client.get(OPENAPI_PATH)

    # Then it is served without authentication, as OpenAPI 3 JSON
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert (spec["info"]["title"], spec["info"]["version"]) == ("Accord API", "1")


def test_the_spec_matches_the_snapshot(spec):
    spec = _stable(spec)
    rendered = _render(spec)
    if os.environ.get("ACCORD_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(rendered, encoding="utf-8")
        pytest.fail(f"ACCORD_UPDATE_SNAPSHOTS=1: rewrote {SNAPSHOT}; review the diff, then run again without it.")
    assert SNAPSHOT.exists(), f"No snapshot at {SNAPSHOT}; create it with ACCORD_UPDATE_SNAPSHOTS=1."
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    differences = _differences(expected, spec)
    assert not differences, (
        "The OpenAPI spec changed (a public contract). If intended, update the snapshot with "
        "ACCORD_UPDATE_SNAPSHOTS=1 and review it:\n  " + "\n  ".join(differences[:30])
    )
    assert rendered == SNAPSHOT.read_text(encoding="utf-8")


# Every operation of the contract; all of them need the bearer token.
OPERATIONS = [
    ("post", "/leads"),
    ("get", "/leads"),
    ("get", "/leads/{lead_id}"),
    ("post", "/leads/{lead_id}/accept"),
    ("post", "/leads/{lead_id}/reject"),
    ("post", "/leads/{lead_id}/assign"),
    ("post", "/leads/{lead_id}/activities"),
    ("post", "/touchpoints"),
    ("post", "/opportunities"),
    ("get", "/opportunities"),
    ("get", "/opportunities/{opportunity_id}"),
    ("post", "/opportunities/{opportunity_id}/stage"),
    ("post", "/opportunities/{opportunity_id}/close"),
    ("get", "/sales-stages"),
    ("get", "/reports/funnel"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_contract_operation_is_published_and_needs_the_bearer_token(spec, method, path):
    operation = spec["paths"][PREFIX + path][method]

    assert operation["security"] == [{"BearerToken": []}]
    assert spec["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert "401" in operation["responses"]


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _response(spec: dict, method: str, path: str, status: str) -> dict:
    operation = spec["paths"][PREFIX + path][method]
    return _resolve(spec, operation["responses"][status]["content"]["application/json"]["schema"])


def _request(spec: dict, method: str, path: str) -> dict:
    operation = spec["paths"][PREFIX + path][method]
    return _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])


def _property(spec: dict, schema: dict, name: str) -> dict:
    prop = schema["properties"][name]
    if prop.get("type") == "array":
        prop = prop["items"]
    return _resolve(spec, prop)


LEAD_CONTRACT = {"id", "email", "stage", "score", "owner", "sla_due_at", "definition_version", "qualification"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/leads", "201"),
        ("post", "/leads", "200"),
        ("get", "/leads/{lead_id}", "200"),
        ("post", "/leads/{lead_id}/accept", "200"),
        ("post", "/leads/{lead_id}/reject", "200"),
        ("post", "/leads/{lead_id}/assign", "200"),
        ("post", "/touchpoints", "201"),
    ],
)
def test_lead_responses_carry_the_contract_fields(spec, method, path, status):
    lead = _response(spec, method, path, status)

    assert set(lead["properties"]) >= LEAD_CONTRACT
    assert {"fit", "engagement", "total"} <= set(_property(spec, lead, "score")["properties"])
    assert {"qualified", "reasons"} <= set(_property(spec, lead, "qualification")["properties"])


def test_the_other_contract_fields_are_in_the_spec(spec):
    touchpoint_created = _response(spec, "post", "/touchpoints", "201")
    detail = _response(spec, "get", "/leads/{lead_id}", "200")
    page = _response(spec, "get", "/leads", "200")
    opportunity = _response(spec, "post", "/opportunities", "201")
    funnel = _response(spec, "get", "/reports/funnel", "200")

    assert "touchpoint_id" in touchpoint_created["properties"]
    assert {"kind", "from_stage", "to_stage", "actor", "occurred_at"} <= set(
        _property(spec, detail, "events")["properties"]
    )
    assert {"items", "count"} <= set(page["properties"])
    assert set(_property(spec, page, "items")["properties"]) >= LEAD_CONTRACT
    assert {"id", "lead_id", "owner", "amount", "status", "closed_at"} <= set(opportunity["properties"])
    assert {"from", "to", "by", "rows"} <= set(funnel["properties"])
    assert {"group", "leads", "mql", "sal", "sql", "customer", "conversion"} <= set(
        _property(spec, funnel, "rows")["properties"]
    )


@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("post", "/leads", {"email", "country", "company_size", "campaign", "source"}),
        ("post", "/touchpoints", {"email", "lead_id", "type", "campaign", "occurred_at", "external_id"}),
        ("post", "/leads/{lead_id}/reject", {"reason", "note", "action"}),
        ("post", "/leads/{lead_id}/activities", {"type", "note", "occurred_at"}),
        ("post", "/leads/{lead_id}/assign", {"owner", "note"}),
        ("post", "/opportunities/{opportunity_id}/stage", {"sales_stage"}),
        ("post", "/opportunities", {"lead_id", "amount", "name", "sales_stage"}),
        ("post", "/opportunities/{opportunity_id}/close", {"won", "reason", "note"}),
    ],
)
def test_request_bodies_carry_the_contract_fields(spec, method, path, fields):
    body = _request(spec, method, path)

    assert fields <= set(body["properties"])
    assert body.get("additionalProperties") is False  # unknown fields are refused, and the spec says so


@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        ("/leads", {"stage", "owner", "source", "limit", "offset"}),
        ("/opportunities", {"limit", "offset"}),
        ("/reports/funnel", {"from", "to", "by"}),
    ],
)
def test_query_parameters_carry_the_contract_names(spec, path, parameters):
    names = {p["name"] for p in spec["paths"][PREFIX + path]["get"]["parameters"] if p["in"] == "query"}

    assert parameters <= names


def test_422_responses_document_the_field_errors(spec):
    # Clients read errors[0].field to point at the bad input; the spec must say it is there.
    error = _response(spec, "post", "/leads", "422")

    assert {"detail", "errors"} <= set(error["properties"])
    assert {"field", "message"} <= set(_property(spec, error, "errors")["properties"])
