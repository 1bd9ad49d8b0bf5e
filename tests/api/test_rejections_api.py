"""GET /api/v1/reports/rejections and /reports/requalified over the history of
tests/reports/test_rejections.py, whose numbers are worked out there; only for the people
who negotiate the definition."""

import pytest

from accord.crm.models import LeadFeedback
from accord.definitions.models import LeadDefinition, Signatory
from tests.reports.test_rejections import history  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_the_hand_offs_of_march_by_source(world, history, api):  # noqa: F811
    response = api(world.marketing_lead).get("/reports/rejections", **MARCH, by="source")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["by"]) == ("2026-03-01", "2026-03-31", "source")
    summary = [(r["group"], r["handed_over"], r["rejected"], r["rejection_rate"], r["won"]) for r in body["rows"]]
    # ads: H1 H2 H3 H5 H6 H7; webinar: H4 H8
    assert summary == [("ads", 6, 3, 0.5, 1), ("webinar", 2, 1, 0.5, 0), ("All", 8, 4, 0.5, 1)]
    total = body["rows"][-1]
    assert (total["recycled"], total["disqualified"], total["deal_lost"], total["won_rate"]) == (2, 1, 1, 0.125)
    # L1: 2 and 1, L2: 5, L3: 1 → 9 / 4; no_budget ticked twice
    assert (total["feedback_count"], total["average_rating"]) == (4, 2.25)
    assert total["top_problems"][0] == {"code": "no_budget", "count": 2}
    assert total["top_reasons"] == [
        {"code": "competitor", "count": 1},
        {"code": "no_budget", "count": 1},
        {"code": "no_need", "count": 1},
    ]
    assert body["months"] == [{"month": "2026-03", "handed_over": 8, "rejected": 4, "rejection_rate": 0.5}]


def test_without_grouping_only_the_total(world, history, api):  # noqa: F811
    body = api(world.manager).get("/reports/rejections", **MARCH).json()

    assert body["by"] is None
    assert [row["group"] for row in body["rows"]] == ["All"]


def test_what_became_of_the_recycled_leads(world, history, api):  # noqa: F811
    response = api(world.marketer).get("/reports/requalified", **MARCH)

    # Recycled in March: L5, L1, L6, L4, L8; qualified again: L6, L5, L4; accepted: L5, L4; won: L4.
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "recycled": 5,
        "requalified": 3,
        "requalified_rate": 0.6,
        "accepted": 2,
        "accepted_rate": 0.6667,
        "opportunities": 1,
        "opportunity_rate": 0.3333,
        "won": 1,
        "won_rate": 0.3333,
    }


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/reports/rejections", {**MARCH, "by": "weather"}, "by"),
        ("/reports/rejections", {"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ("/reports/rejections", {"from": "2026-03-01"}, "to"),
        ("/reports/rejections", {"from": "March", "to": "2026-03-31"}, "from"),
        ("/reports/requalified", {"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ("/reports/requalified", {"to": "2026-03-01"}, "from"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(world, api, path, params, field):
    response = api(world.admin).get(path, **params)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def _rows() -> tuple[int, int]:
    return LeadFeedback.objects.count(), LeadDefinition.objects.count()


@pytest.mark.parametrize("path", ["/reports/rejections", "/reports/requalified"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 401),
        ("rep", 403),
        ("americas_rep", 403),
        ("executive", 403),
        ("marketer", 200),
        ("marketing_lead", 200),
        ("manager", 200),
        ("admin", 200),
    ],
)
def test_who_may_read_the_reports(world, api, path, who, status):
    before = _rows()

    response = api(getattr(world, who) if who else None).get(path, **MARCH)

    assert response.status_code == status
    if status == 403:
        assert set(response.json()) == {"detail"}
    assert _rows() == before


def test_a_rep_named_signatory_reads_them(world, api):
    Signatory.objects.create(user=world.rep, side="sales")

    assert api(world.rep).get("/reports/rejections", **MARCH).status_code == 200
