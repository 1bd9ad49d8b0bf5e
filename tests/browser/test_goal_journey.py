"""An executive sets the shared revenue goal on its page; both teams' home pages pace it; a
sales rep may read it but not set it.

The pages pace against the real today (T), so the history is placed relative to it. The goal
covers T − 14 … T + 15: 30 days, of which 15 have elapsed by the end of today. Its look-back
is one month, the month before T − 14. In it, at T − 24 (UTC):
  10 leads created, 4 of them MQLs;                                   lead → MQL 4 / 10 = 40%
  3 of those MQLs become deals the next day (6,000, 4,000, 3,000):    3 SQLs, 3 opportunities
  at T − 17 the 6,000 and the 4,000 are won and the 3,000 is lost.
Rates: average deal 10,000 / 2 = 5,000; win rate 2 / 3; opportunities per SQL 3 / 3;
MQL → SQL 3 / 4; lead → MQL 4 / 10.

Goal 22,000; each target rounded up:
  deals 22,000 / 5,000 = 4.4 → 5;  opportunities 5 / (2/3) = 7.5 → 8;  SQLs 8 / 1 = 8;
  MQLs 8 / (3/4) = 10.67 → 11;  leads 11 / (4/10) = 27.5 → 28.
In the period so far: at T − 13 3 leads, 2 of them MQLs; one a 2,000 deal at T − 12, won at
T − 11. Expected by today = target × 15 / 30, the pace actual / expected:
  revenue 11,000.00, 2,000 / 11,000 = 18.2%;  deals 2.50, 1 / 2.5 = 40.0%;
  opportunities 4.00, 1 / 4 = 25.0%;  SQLs 4.00, 25.0%;  MQLs 5.50, 2 / 5.5 = 36.4%;
  leads 14.00, 3 / 14 = 21.4% — all behind.
"""

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.crm import services
from accord.crm.models import Lead
from accord.reports.goal import goal_set
from accord.reports.models import RevenueGoal
from tests.browser.test_accessibility import DUPLICATE_IDS, UNLABELLED_CONTROLS
from tests.conftest import qualify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAN = [
    ["Revenue", "", "", "22,000.00", "11,000.00", "2,000.00", "18.2% (behind)"],
    ["Deals won", "Average deal", "5,000.00", "5", "2.50", "1", "40.0% (behind)"],
    ["Opportunities", "Win rate", "66.7%", "8", "4.00", "1", "25.0% (behind)"],
    ["SQLs", "Opportunities per SQL", "100.0%", "8", "4.00", "1", "25.0% (behind)"],
    ["MQLs", "MQL → SQL", "75.0%", "11", "5.50", "2", "36.4% (behind)"],
    ["Leads", "Lead → MQL", "40.0%", "28", "14.00", "3", "21.4% (behind)"],
]
# The home pages' panel: step, actual, expected by today, target, pace.
PACING = [[row[0], row[5], row[4], row[3], row[6]] for row in PLAN]


@dataclass
class Period:
    date_from: date
    date_to: date

    @property
    def lookback_from(self) -> date:
        """The same day a month before `date_from` (the month's last day where it is shorter)."""
        month_before = self.date_from.replace(day=1) - timedelta(days=1)
        return month_before.replace(day=min(self.date_from.day, month_before.day))

    def typed(self, day: date) -> str:
        return f"{day:%m%d%Y}"  # Chromium's date field, en-US: mm dd yyyy


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@pytest.fixture
def history(world) -> Period:
    today = timezone.now().date()
    period = Period(today - timedelta(days=14), today + timedelta(days=15))
    start = period.date_from

    def leads(prefix: str, day: date, made: int, qualified: int) -> list[Lead]:
        mqls = [qualify(world, at=at(day), email=f"{prefix}{i}@bigco.example") for i in range(qualified)]
        for i in range(made - qualified):
            lead, _ = services.lead_capture(
                data={"email": f"{prefix}{i}@small.example", "first_name": "Nat"},
                acting_user=world.marketer,
                at=at(day),
            )
            assert lead.stage == "lead"
        assert [lead.stage for lead in mqls] == ["mql"] * qualified
        return mqls

    def deal(lead: Lead, amount: int, day: date):
        return services.opportunity_create(lead_id=lead.pk, acting_user=lead.owner, amount=amount, at=at(day))

    def close(opportunity, day: date, won: bool = True) -> None:
        services.opportunity_close(
            opportunity_id=opportunity.pk,
            acting_user=opportunity.owner,
            won=won,
            reason=None if won else "no_budget",
            at=at(day),
        )

    earlier = leads("h", start - timedelta(days=10), made=10, qualified=4)
    assert start - timedelta(days=10) >= period.lookback_from
    deals = [
        deal(lead, amount, start - timedelta(days=9))
        for lead, amount in zip(earlier[:3], (6_000, 4_000, 3_000), strict=True)
    ]
    close(deals[0], start - timedelta(days=3))
    close(deals[1], start - timedelta(days=3))
    close(deals[2], start - timedelta(days=3), won=False)

    now = leads("p", start + timedelta(days=1), made=3, qualified=2)
    close(deal(now[0], 2_000, start + timedelta(days=2)), start + timedelta(days=3))
    return period


@pytest.mark.browser
def test_an_executive_sets_the_goal_and_both_teams_see_the_pace(page, world, history, sign_in, browser_log):
    # Given: an executive opens the revenue goal from the reports hub: none is set yet.
    sign_in(world.executive)
    page.goto("/reports/")
    page.get_by_role("main").get_by_role("link", name="Revenue goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revenue goal")
    expect(page.get_by_text("No revenue goal is set for this period.")).to_be_visible()

    # When: in "Set the goal" they type the period, 22000 and one month of history, and
    # press Enter in the last field.
    form = page.get_by_role("form", name="Set the goal")
    for name, day in (("From", history.date_from), ("To", history.date_to)):
        form.get_by_role("textbox", name=name, exact=True).focus()
        page.keyboard.type(history.typed(day))
    expect(form.get_by_label("Team")).to_have_value("")  # the company
    form.get_by_role("spinbutton", name="Revenue goal").fill("22000")
    form.get_by_role("spinbutton", name="Months of history").fill("1")
    form.get_by_role("textbox", name="Currency").press("Enter")

    # Then: the page of that goal says it is set and shows the targets and the pace.
    expect(page.get_by_role("status")).to_have_text("Revenue goal set.")
    expect(page).to_have_url(f"/reports/goal/?date_from={history.date_from}&date_to={history.date_to}&team=")
    table = page.get_by_role(
        "table",
        name=f"22,000.00 EUR in {history.date_from} – {history.date_to}; rates from {history.lookback_from} – "
        f"{history.date_from - timedelta(days=1)}; day 15 of 30",
    )
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(PLAN))
    for i, cells in enumerate(PLAN):
        expect(rows.nth(i).locator("th, td")).to_have_text(cells)
    expect(
        page.get_by_role(
            "img",
            name="Targets, expected by today and actuals — Deals won: Target 5, Expected to date 2.5, Actual 1; "
            "Opportunities: Target 8, Expected to date 4.0, Actual 1; SQLs: Target 8, Expected to date 4.0, "
            "Actual 1; MQLs: Target 11, Expected to date 5.5, Actual 2; Leads: Target 28, Expected to date 14.0, "
            "Actual 3",
        )
    ).to_be_visible()
    # And: the form keeps what was set, to change it.
    expect(form.get_by_role("spinbutton", name="Revenue goal")).to_have_value("22000.00")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    browser_log.assert_clean()

    # When: a sales rep opens their inbox, and a marketer the lead list.
    for user, home, heading in ((world.rep, "/inbox/", "Inbox"), (world.marketer, "/leads/", "Leads")):
        page.context.clear_cookies()
        sign_in(user)
        page.goto(home)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

        # Then: both see the company's goal paced, with a link to the whole plan.
        panel = page.get_by_role("region", name=f"Shared goal {history.date_from} – {history.date_to}")
        expect(panel.get_by_text("Day 15 of 30")).to_be_visible()
        panel_rows = panel.locator("tbody tr")
        expect(panel_rows).to_have_count(len(PACING))
        for i, cells in enumerate(PACING):
            expect(panel_rows.nth(i).locator("th, td")).to_have_text(cells)
        expect(panel.get_by_role("link", name="the whole plan")).to_have_attribute(
            "href", f"/reports/goal/?date_from={history.date_from}&date_to={history.date_to}&team="
        )
    browser_log.assert_clean()


@pytest.mark.browser
def test_a_sales_rep_reads_the_goal_but_cannot_set_it(page, world, history, sign_in, browser_log):
    # Given: the executive's goal of 22,000.
    sign_in(world.executive)
    query = f"date_from={history.date_from}&date_to={history.date_to}&team="
    page.goto(f"/reports/goal/?{query}")
    form = page.get_by_role("form", name="Set the goal")
    form.get_by_role("spinbutton", name="Revenue goal").fill("22000")
    form.get_by_role("spinbutton", name="Months of history").fill("1")
    form.get_by_role("button", name="Set goal").click()
    expect(page.get_by_role("status")).to_have_text("Revenue goal set.")
    page.context.clear_cookies()

    # When: a sales rep follows the whole plan from their inbox.
    sign_in(world.rep)
    page.goto("/inbox/")
    page.get_by_role("link", name="the whole plan").click()

    # Then: they read the plan, with no form to set it.
    expect(page).to_have_url(f"/reports/goal/?{query}")
    expect(page.get_by_role("table").first.locator("tbody tr").first.locator("th, td")).to_have_text(PLAN[0])
    expect(page.get_by_role("heading", name="Set the goal")).to_have_count(0)
    expect(page.get_by_role("form", name="Set the goal")).to_have_count(0)

    # When: they post a goal of their own anyway, with their session and its CSRF token.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        "/reports/goal/set/",
        form={
            "csrfmiddlewaretoken": token,
            "date_from": str(history.date_from),
            "date_to": str(history.date_to),
            "team": "",
            "revenue": "99000",
            "lookback_months": "1",
            "currency": "",
        },
    )

    # Then: 403 for their role (not for the token), and the goal is as the executive set it.
    assert response.status == 403
    assert "Your role does not permit this. Nothing was changed." in response.text()
    goal = RevenueGoal.objects.get()
    assert (str(goal.revenue), goal.lookback_months, goal.set_by) == ("22000.00", 1, world.executive)
    page.reload()
    expect(page.get_by_role("table").first.locator("tbody tr").first.locator("th, td")).to_have_text(PLAN[0])
    browser_log.assert_clean()


@pytest.mark.browser
def test_the_goal_page_as_it_opens_exports_this_quarters_goal(page, world, sign_in, browser_log, tmp_path):
    # Given: the company's goal of 90,000 for this quarter, with no history before it (no deal
    # was ever won, so there is no average deal), and an executive who opens the goal page
    # without choosing a period: it shows this quarter.
    today = timezone.now().date()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = (first + timedelta(days=92)).replace(day=1) - timedelta(days=1)  # 92 days reach the next quarter
    goal_set(acting_user=world.admin, revenue="90000", date_from=first, date_to=last)
    sign_in(world.executive)
    page.goto("/reports/goal/")
    expect(page.get_by_role("table").first.locator("tbody tr").first.locator("th, td").nth(3)).to_have_text("90,000.00")
    expect(page.get_by_text("The targets stop where the look-back cannot measure the average deal")).to_be_visible()

    # When: they export it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()

    # Then: the CSV of that goal: the revenue target, nothing won yet (a pace of 0), and no
    # targets below it.
    assert download_info.value.suggested_filename == "goal.csv"
    saved = tmp_path / "goal.csv"
    download_info.value.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["name", "rate_name", "rate", "target", "actual", "expected_to_date", "pace"]
    assert (rows[1][:5], rows[1][6]) == (["revenue", "", "", "90000.0", "0.0"], "0.0")
    assert rows[2:] == [
        ["deals", "average_deal", "", "", "0", "", ""],
        ["opportunities", "win_rate", "", "", "0", "", ""],
        ["sqls", "opportunities_per_sql", "", "", "0", "", ""],
        ["mqls", "mql_to_sql", "", "", "0", "", ""],
        ["leads", "lead_to_mql", "", "", "0", "", ""],
    ]
    browser_log.assert_clean()
