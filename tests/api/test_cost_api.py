"""GET /api/v1/reports/cost over the March of tests/reports/test_cost_report.py, whose
numbers are worked out there, and the cost ledger: GET and POST /api/v1/campaigns/{code}/costs."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.campaigns.models import CampaignCost
from accord.campaigns.services import campaign_cost_record
from tests.reports.test_cost_report import costs  # noqa: F401 — the hand-built history

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_the_report_by_campaign(world, costs, api):  # noqa: F811
    response = api(world.rep).get("/reports/cost", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["by"]) == ("2026-03-01", "2026-03-31", "campaign")
    assert [row["group"] for row in body["rows"]] == [
        "search-ads", "spring-webinar", "expo", "newsletter", "(no campaign)"
    ]  # fmt: skip
    assert body["rows"][1] == {
        "group": "spring-webinar",
        "name": "Spring webinar",
        "channel": "webinar",
        "budget": 5000.0,
        "cost": 3100.0,
        "leads": 3,
        "mqls": 3,
        "sqls": 2,
        "opportunities": 2,
        "customers": 1,
        "won_revenue": 12000.0,
        "cost_per_lead": 1033.33,
        "cost_per_mql": 1033.33,
        "cost_per_sql": 1550.0,
        "cost_per_opportunity": 1550.0,
        "cost_per_customer": 3100.0,
        "return": 3.871,
    }
    unattributed = body["rows"][-1]
    assert (unattributed["cost"], unattributed["cost_per_lead"], unattributed["return"]) == (None, None, None)
    total = body["total"]
    assert (total["cost"], total["leads"], total["cost_per_lead"], total["cost_per_customer"], total["return"]) == (
        10230.0, 10, 1023.0, 5115.0, 1.4663
    )  # fmt: skip


def test_the_report_by_channel(world, costs, api):  # noqa: F811
    body = api(world.executive).get("/reports/cost", **MARCH, by="channel").json()

    assert [(row["group"], row["cost"], row["leads"]) for row in body["rows"]] == [
        ("paid_search", 5580.0, 4),
        ("webinar", 3100.0, 3),
        ("events", 1550.0, 0),
        ("(none)", 0.0, 1),
        ("(no campaign)", None, 2),
    ]


def test_bad_report_parameters_name_the_field(world, api):
    bad_by = api(world.manager).get("/reports/cost", **MARCH, by="source")
    backwards = api(world.manager).get("/reports/cost", **{"from": "2026-03-31", "to": "2026-03-01"})
    no_period = api(world.manager).get("/reports/cost")

    assert [r.status_code for r in (bad_by, backwards, no_period)] == [422, 422, 422]
    assert bad_by.json()["errors"][0]["field"] == "by"
    assert backwards.json()["errors"] == [{"field": "to", "message": "'to' is before 'from'."}]
    assert {error["field"] for error in no_period.json()["errors"]} == {"from", "to"}


def test_the_ledger_lists_entries_and_month_totals(world, costs, api):  # noqa: F811
    """search-ads: 6,200.00 and the −620.00 correction, both for March: 5,580.00."""
    response = api(world.rep).get("/campaigns/search-ads/costs")

    assert response.status_code == 200
    body = response.json()
    assert (body["campaign"], body["name"], body["months"]) == (
        "search-ads", "Search ads", [{"month": "2026-03", "total": 5580.0}]
    )  # fmt: skip
    assert [(e["month"], e["amount"], e["note"], e["created_by"]) for e in body["entries"]] == [
        ("2026-03", -620.0, "Credit note 311-1", "marketer@accord.test"),
        ("2026-03", 6200.0, "Invoice 311", "marketer@accord.test"),
    ]
    assert body["entries"][0]["created_at"] == "2026-11-01T10:00:00Z"


def test_marketing_records_an_entry(world, costs, api):  # noqa: F811
    response = api(world.marketing_lead).post(
        "/campaigns/expo/costs", {"month": "2026-04", "amount": "420.50", "note": "Follow-up mailing"}
    )

    assert response.status_code == 201
    body = response.json()
    entry = CampaignCost.objects.get(pk=body["id"])
    assert (entry.campaign, entry.month.isoformat(), entry.amount, entry.created_by) == (
        costs.expo, "2026-04-01", Decimal("420.50"), world.marketing_lead
    )  # fmt: skip
    assert (body["campaign"], body["month"], body["amount"], body["note"], body["created_by"]) == (
        "expo", "2026-04", 420.5, "Follow-up mailing", "mlead@accord.test"
    )  # fmt: skip


def test_a_correction_that_would_go_below_zero_is_422(world, costs, api):  # noqa: F811
    """Expo's March holds 1,550.00: −1,550.01 would leave −0.01."""
    before = CampaignCost.objects.count()

    response = api(world.marketer).post("/campaigns/expo/costs", {"month": "2026-03", "amount": -1550.01})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "amount",
            "message": "This correction would bring expo 2026-03 to -0.01; its entries add up to 1,550.00.",
        }
    ]
    assert CampaignCost.objects.count() == before


def test_bad_entries_name_the_field_and_write_nothing(world, costs, api):  # noqa: F811
    before = CampaignCost.objects.count()
    client = api(world.marketer)

    bad_month = client.post("/campaigns/expo/costs", {"month": "2026/03", "amount": "1.00"})
    bad_amount = client.post("/campaigns/expo/costs", {"month": "2026-03", "amount": "0.001"})
    not_a_number = client.post("/campaigns/expo/costs", {"month": "2026-03", "amount": "lots"})
    unknown_key = client.post("/campaigns/expo/costs", {"month": "2026-03", "amount": "1.00", "currency": "EUR"})
    unknown_campaign = client.post("/campaigns/nope/costs", {"month": "2026-03", "amount": "1.00"})

    assert bad_month.status_code == 422
    assert bad_month.json()["errors"][0]["field"] == "month"
    assert bad_amount.json()["errors"] == [
        {"field": "amount", "message": "An amount has at most two decimal places (cents)."}
    ]
    assert (not_a_number.status_code, not_a_number.json()["errors"][0]["field"]) == (422, "amount")
    assert (unknown_key.status_code, unknown_key.json()["errors"][0]["field"]) == (422, "currency")
    assert unknown_campaign.status_code == 404
    assert unknown_campaign.json() == {"detail": "No campaign with code 'nope'."}
    assert api(world.marketer).get("/campaigns/nope/costs").status_code == 404
    assert CampaignCost.objects.count() == before


def test_the_ledger_and_the_report_run_the_same_queries_for_2_and_22_entries(world, costs, api):  # noqa: F811
    client = api(world.manager)
    client.get("/campaigns/search-ads/costs")  # the token's first use is written once

    def queries(path: str, **params) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(path, **params).status_code == 200
        return len(context.captured_queries)

    before = (queries("/campaigns/search-ads/costs"), queries("/reports/cost", **MARCH))
    for month in range(1, 11):
        for amount in ("100.00", "-10.00"):
            campaign_cost_record(
                acting_user=world.admin, campaign_code="search-ads", month=f"2025-{month:02}", amount=amount
            )
    after = (queries("/campaigns/search-ads/costs"), queries("/reports/cost", **MARCH))

    assert len(client.get("/campaigns/search-ads/costs").json()["entries"]) == 22
    assert after == before
