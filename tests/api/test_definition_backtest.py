"""POST /api/v1/definitions/{id}/backtest and `accord definition backtest` over the history
of tests/reports/test_backtest.py, whose numbers are worked out there."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.definitions.models import DefinitionEvent, LeadDefinition
from accord.definitions.services import definition_export
from tests.reports.test_backtest import scene  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def path(scene) -> str:  # noqa: F811
    return f"/definitions/{scene['draft'].pk}/backtest"


def test_the_draft_beside_the_active_version(world, scene, api):  # noqa: F811
    response = api(world.marketing_lead).post(path(scene), MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["leads_considered"], body["touchpoints_considered"]) == (
        "2026-03-01",
        "2026-03-31",
        4,
        4,
    )
    for side, version in (("version", 3), ("active", 2)):
        result = body[side]
        assert result["version"] == version
        assert (result["mql_count"], result["accepted_rate"], result["win_rate"]) == (2, 0.5, 1.0)
        assert (result["won_revenue"], result["precision"], result["recall"]) == ("1000.00", 0.5, 1.0)
    assert body["actual"]["by_month"] == [{"month": "2026-03", "mqls": 2, "commitment": None}]
    assert (body["changes"]["gained"]["mql_count"], body["changes"]["lost"]["mql_count"], body["changes"]["kept"]) == (
        1,
        1,
        1,
    )


def test_against_another_version(world, scene, api):  # noqa: F811
    other = LeadDefinition.objects.create(version=4, document=scene["draft"].document)

    body = api(world.manager).post(path(scene), {**MARCH, "against": other.pk}).json()

    assert (body["active"]["version"], body["changes"]["kept"]) == (4, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "March", "to": "2026-03-31"}, "from"),
        ({**MARCH, "against": 999999}, "against"),
    ],
)
def test_bad_input_names_the_field(world, scene, api, body, field):  # noqa: F811
    response = api(world.marketer).post(path(scene), body)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize("who", ["rep", "executive", "other_rep"])
def test_reps_and_executives_may_not_and_nothing_is_written(world, scene, api, who):  # noqa: F811
    events = DefinitionEvent.objects.count()

    response = api(getattr(world, who)).post(path(scene), MARCH)

    assert response.status_code == 403
    assert DefinitionEvent.objects.count() == events


def test_unauthenticated_is_401(scene, api):  # noqa: F811
    assert api(None).post(path(scene), MARCH).status_code == 401


def test_an_unknown_version_is_404(world, scene, api):  # noqa: F811
    assert api(world.marketer).post("/definitions/999999/backtest", MARCH).status_code == 404


# --- the CLI ---------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(main, ["definition", "backtest", *args])


def test_cli_table_of_a_stored_version(scene):  # noqa: F811
    result = run("--version", "3", "--from", "2026-03-01", "--to", "2026-03-31")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Backtest 2026-03-01 – 2026-03-31: 4 leads, 4 touchpoints"
    assert lines[2].split() == ["MQLs", "2", "2", "2"]
    assert lines[9].split()[-3:] == ["1,000.00", "1,000.00", "1,000.00"]
    assert lines[-1] == "Against v2: gains 1 leads (0 won), loses 1 (0 won), keeps 1."


def test_cli_json_of_a_file_equals_the_stored_version(scene, tmp_path):  # noqa: F811
    exported = tmp_path / "v3.json"
    exported.write_text(json.dumps(definition_export(scene["draft"])))

    from_file = json.loads(run(str(exported), "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json").stdout)
    stored = json.loads(run("--version", "3", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "json").stdout)

    ignore = ("definition_id", "version", "name", "status")
    assert {k: v for k, v in from_file["version"].items() if k not in ignore} == {
        k: v for k, v in stored["version"].items() if k not in ignore
    }
    assert from_file["changes"] == stored["changes"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-03-01", "--to", "2026-03-31"], "version: Give a version (--version N) or a JSON file"),
        (["--version", "9", "--from", "2026-03-01", "--to", "2026-03-31"], "No lead definition v9."),
        (["--version", "3", "--from", "2026-03-31", "--to", "2026-03-01"], "to: 'to' is before 'from'."),
    ],
)
def test_cli_refusals(scene, args, message):  # noqa: F811
    result = run(*args)

    assert result.exit_code == 1
    assert message in result.stderr
