"""GET /api/v1/reports/sla and /reports/sla/leads over the March of
tests/reports/test_sla_scorecard.py, whose numbers are worked out there."""

from tests.reports.test_sla_scorecard import march  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_a_manager_reads_every_rep(world, march, api):  # noqa: F811
    response = api(world.manager).get("/reports/sla", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert [row["group"] for row in body["rows"]] == ["Rita Rep", "am-rep@accord.test", "other@accord.test"]
    rita = body["rows"][0]
    assert (rita["handed_over"], rita["on_time"], rita["late"], rita["ignored"], rita["waiting"]) == (7, 4, 1, 1, 1)
    assert (rita["median_hours"], rita["p90_hours"], rita["on_time_rate"]) == (3.5, 5.19, 0.6667)
    assert body["marketing"] == {
        "delivered": 7,
        "commitment": 10.0,
        "delivered_rate": 0.7,
        "accepted": 3,
        "accepted_rate": 0.4286,
    }


def test_a_rep_reads_their_own_row_and_the_total(world, march, api):  # noqa: F811
    body = api(world.other_rep).get("/reports/sla", **MARCH).json()

    assert [row["group"] for row in body["rows"]] == ["other@accord.test"]
    assert body["total"]["handed_over"] == 7


def test_by_team(world, march, api):  # noqa: F811
    body = api(world.executive).get("/reports/sla", **MARCH, by="team").json()

    assert [(row["group"], row["group_id"], row["handed_over"]) for row in body["rows"]] == [("EMEA", world.emea.pk, 7)]


def test_drill_down(world, march, api):  # noqa: F811
    mine = api(world.rep).get("/reports/sla/leads", **MARCH, measure="ignored", group_id=world.rep.pk)
    theirs = api(world.other_rep).get("/reports/sla/leads", **MARCH, measure="ignored", group_id=world.rep.pk)

    assert mine.status_code == 200
    assert [(row["lead_id"], row["result"], row["stopped_at"]) for row in mine.json()] == [
        (march["D"].pk, "ignored", "2026-04-02T10:00:00Z")
    ]
    assert theirs.status_code == 403


def test_bad_parameters_name_the_field(world, api):
    bad_by = api(world.manager).get("/reports/sla", **MARCH, by="country")
    bad_measure = api(world.manager).get("/reports/sla/leads", **MARCH, measure="everything")
    backwards = api(world.manager).get("/reports/sla", **{"from": "2026-03-31", "to": "2026-03-01"})

    assert [r.status_code for r in (bad_by, bad_measure, backwards)] == [422, 422, 422]
    assert bad_by.json()["errors"][0]["field"] == "by"
    assert bad_measure.json()["errors"][0]["field"] == "measure"
    assert backwards.json()["errors"][0]["field"] == "to"
