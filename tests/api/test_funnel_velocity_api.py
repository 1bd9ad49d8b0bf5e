"""GET /reports/funnel (the new groupings and comparison) and GET /reports/velocity over the
histories of tests/reports/test_funnel_compared.py and tests/reports/test_velocity.py,
whose numbers are worked out there."""

import pytest

from tests.reports.test_funnel_compared import cohorts  # noqa: F401 — the hand-built history
from tests.reports.test_velocity import journeys  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def times(count, median, p90) -> dict:
    return {"count": count, "median_days": median, "p90_days": p90}


def test_funnel_by_segment_beside_february(world, api, cohorts):  # noqa: F811
    response = api(world.marketer).get("/reports/funnel", **MARCH, by="segment")

    body = response.json()
    assert response.status_code == 200
    assert (body["by"], body["compare"], body["compare_from"], body["compare_to"]) == (
        "segment", "previous", "2026-02-01", "2026-02-28",
    )  # fmt: skip
    assert [row["group"] for row in body["rows"]] == ["(unknown)", "1,000+", "100–999", "1–99", "All"]
    # 100–999: M1 (mql, sal) against F1 (mql) and F2: leads 1 − 2 = −1, sal 1 − 0 = +1;
    # lead→mql 1/1 − 1/2 = 0.5, mql→sal 1/1 − 0/1 = 1.0, sal→sql none in February.
    mid = body["rows"][2]
    assert (mid["leads"], mid["previous"]["leads"], mid["change"]["leads"], mid["change"]["sal"]) == (1, 2, -1, 1)
    assert mid["change"]["conversion"] == {
        "lead_to_mql": 0.5, "mql_to_sal": 1.0, "sal_to_sql": None, "sql_to_customer": None, "lead_to_customer": 0.0,
    }  # fmt: skip


def test_funnel_without_comparison_has_no_previous(world, api, cohorts):  # noqa: F811
    body = api(world.executive).get("/reports/funnel", **MARCH, by="country", compare="none").json()

    assert (body["compare"], body["compare_from"], body["compare_to"]) == ("none", None, None)
    assert [(row["group"], row["leads"], row["previous"], row["change"]) for row in body["rows"]] == [
        ("(none)", 1, None, None),
        ("DE", 1, None, None),
        ("GB", 1, None, None),
        ("US", 1, None, None),
        ("All", 4, None, None),
    ]


def test_velocity_of_march_beside_february(world, api, journeys):  # noqa: F811
    response = api(world.rep).get("/reports/velocity", **MARCH)

    body = response.json()
    assert response.status_code == 200
    assert body == {
        "from": "2026-03-01",
        "to": "2026-03-31",
        "by": None,
        "compare": "previous",
        "compare_from": "2026-02-01",
        "compare_to": "2026-02-28",
        "rows": [
            {
                "group": "All",
                "subscriber": times(1, 2.25, 2.25),
                "lead": times(3, 0.0, 2.4),
                "mql": times(4, 1.6, 2.34),
                "sal": times(2, 13.42, 22.68),
                "sql": times(1, 16.0, 16.0),
                "lead_to_customer": times(1, 22.08, 22.08),
                "previous": {
                    "subscriber": times(0, None, None),
                    "lead": times(2, 1.0, 1.8),
                    "mql": times(2, 1.75, 2.75),
                    "sal": times(1, 1.5, 1.5),
                    "sql": times(1, 14.0, 14.0),
                    "lead_to_customer": times(1, 18.0, 18.0),
                },
                "change": {
                    "subscriber": times(1, None, None),
                    "lead": times(1, -1.0, 0.6),
                    "mql": times(2, -0.15, -0.41),
                    "sal": times(1, 11.92, 21.18),
                    "sql": times(0, 2.0, 2.0),
                    "lead_to_customer": times(0, 4.08, 4.08),
                },
            }
        ],
    }


def test_velocity_by_owner_a_year_earlier(world, api, journeys):  # noqa: F811
    body = api(world.manager).get("/reports/velocity", **MARCH, by="owner", compare="year").json()

    assert (body["compare_from"], body["compare_to"]) == ("2025-03-01", "2025-03-31")
    other = next(row for row in body["rows"] if row["group"] == "other@accord.test")
    # C recycled and qualified again: two MQL stays, 1 and 2.5 days; nothing in March 2025.
    assert (other["mql"], other["previous"]["mql"], other["change"]["mql"]) == (
        times(2, 1.75, 2.35), times(0, None, None), times(2, None, None),
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/reports/funnel", "/reports/velocity"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"from": "2026-03-31", "to": "2026-03-01"}, "to", id="to-before-from"),
        pytest.param({"from": "2026-02-30", "to": "2026-03-31"}, "from", id="february-30"),
        pytest.param({"to": "2026-03-31"}, "from", id="missing-from"),
        pytest.param({**MARCH, "by": "weather"}, "by", id="unknown-by"),
        pytest.param({**MARCH, "compare": "week"}, "compare", id="unknown-compare"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(world, api, path, params, field):
    response = api(world.executive).get(path, **params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
