"""GET /api/v1/reports/wins over the March of tests/reports/test_wins.py, whose numbers are
worked out there."""

from tests.reports.test_wins import wins  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_the_feed_of_march(world, wins, api):  # noqa: F811
    response = api(world.manager).get("/reports/wins", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert body["summary"] == {"wins": 3, "revenue": 24_000.0, "marketing_credited": 2, "marketing_share": 0.6667}
    assert [(row["opportunity"], row["won_at"]) for row in body["rows"]] == [
        (wins["W2"].pk, "2026-03-11T10:00:00Z"),
        (wins["W3"].pk, "2026-03-06T12:00:00Z"),
        (wins["W1"].pk, "2026-03-05T10:00:00Z"),
    ]
    w1 = body["rows"][2]
    assert (w1["lead"], w1["ae"], w1["sdr"]) == (
        {"id": wins["vera"].pk, "name": "Vera Penn"},
        {"id": world.other_rep.pk, "name": "Alex Ae"},
        {"id": world.rep.pk, "name": "Rita Rep"},
    )
    assert [(c["code"], c["owner"]["name"]) for c in w1["campaigns"]] == [
        ("webinar-1", "Mia Marketer"),
        ("ads-1", "Lena Lead"),
    ]
    assert w1["touchpoints"]["first"] == {
        "type": "page_view",
        "channel": "webinar",
        "campaign": "webinar-1",
        "at": "2026-03-02T09:15:00Z",
    }
    assert [(week["week"], week["wins"], week["marketing_credited"]) for week in body["weeks"][1:3]] == [
        ("2026-03-02", 2, 1),
        ("2026-03-09", 1, 1),
    ]


def test_a_rep_of_another_team_reads_the_names_but_gets_no_lead_id(world, wins, api):  # noqa: F811
    body = api(world.americas_rep).get("/reports/wins", **MARCH).json()

    assert [row["lead"] for row in body["rows"]] == [
        {"id": None, "name": "Carl Cole"},
        None,
        {"id": None, "name": "Vera Penn"},
    ]
    assert body["summary"]["wins"] == 3


def test_bad_periods_name_the_field(world, api):
    backwards = api(world.manager).get("/reports/wins", **{"from": "2026-03-31", "to": "2026-03-01"})
    missing = api(world.manager).get("/reports/wins", **{"from": "2026-03-01"})
    not_a_date = api(world.manager).get("/reports/wins", **{"from": "March", "to": "2026-03-31"})

    assert [r.status_code for r in (backwards, missing, not_a_date)] == [422, 422, 422]
    assert backwards.json()["errors"][0]["field"] == "to"
    assert missing.json()["errors"][0]["field"] == "to"
    assert not_a_date.json()["errors"][0]["field"] == "from"
