"""`accord report cost` over the March of tests/reports/test_cost_report.py, whose numbers
are worked out there, and `accord campaign cost / costs / costs-import`; run in-process
against the test database."""

import json
from datetime import date
from decimal import Decimal

from click.testing import CliRunner

from accord.campaigns.models import CampaignCost
from accord.cli import main
from tests.reports.test_cost_report import costs  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, [*args])


def test_the_csv_is_the_table_to_the_cent(world, costs):  # noqa: F811
    result = run("report", "cost", *MARCH, "--format", "csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "group,name,channel,budget,cost,leads,mqls,sqls,opportunities,customers,won_revenue,cost_per_lead,"
        "cost_per_mql,cost_per_sql,cost_per_opportunity,cost_per_customer,return",
        "search-ads,Search ads,paid_search,12000.00,5580.00,4,2,1,1,0,0.00,1395.00,2790.00,5580.00,5580.00,,0.0000",
        "spring-webinar,Spring webinar,webinar,5000.00,3100.00,3,3,2,2,1,12000.00,1033.33,1033.33,1550.00,"
        "1550.00,3100.00,3.8710",
        "expo,Expo,events,8000.00,1550.00,0,0,0,0,0,0.00,,,,,,0.0000",
        "newsletter,Newsletter,(none),,0.00,1,0,0,0,0,0.00,0.00,,,,,",
        "(no campaign),(no campaign),,,,2,1,1,1,1,3000.00,,,,,,",
        "All,All,,25000.00,10230.00,10,6,4,4,2,15000.00,1023.00,1705.00,2557.50,2557.50,5115.00,1.4663",
    ]


def test_json_by_channel_and_the_table(world, costs):  # noqa: F811
    as_json = json.loads(run("report", "cost", *MARCH, "--by", "channel", "--format", "json").stdout)
    table = run("report", "cost", *MARCH).stdout.splitlines()

    assert [(row["group"], row["cost"]) for row in as_json["rows"]] == [
        ("paid_search", 5580.0), ("webinar", 3100.0), ("events", 1550.0), ("(none)", 0.0), ("(no campaign)", None)
    ]  # fmt: skip
    assert table[0] == "Cost 2026-03-01 – 2026-03-31 by campaign"
    cells = table[3].split()
    assert cells == [
        "spring-webinar", "3,100.00", "3", "3", "2", "2", "1", "12,000.00", "1,033.33", "1,033.33", "1,550.00",
        "1,550.00", "3,100.00", "3.87×",
    ]  # fmt: skip
    assert table[-1].split()[-1] == "1.47×"


def test_a_backwards_period_exits_2_naming_the_field(world):
    result = run("report", "cost", "--from", "2026-03-31", "--to", "2026-03-01")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: to: 'to' is before 'from'.\n"


def test_recording_an_entry(world, costs):  # noqa: F811
    result = run(
        "campaign", "cost", "expo", "--month", "2026-04", "--amount", "1234.5", "--note", "Banner", "--by",
        "Marketer@Accord.test",
    )  # fmt: skip

    entry = CampaignCost.objects.latest("id")
    assert (result.exit_code, result.stdout) == (0, f"Recorded 1,234.50 for expo in 2026-04 (entry {entry.pk}).\n")
    assert (entry.campaign.code, entry.month, entry.amount, entry.note, entry.created_by) == (
        "expo", date(2026, 4, 1), Decimal("1234.50"), "Banner", world.marketer
    )  # fmt: skip


def test_refused_entries_exit_2_and_write_nothing(world, costs):  # noqa: F811
    before = CampaignCost.objects.count()
    entry = ["campaign", "cost", "expo", "--month", "2026-04", "--amount"]

    as_rep = run(*entry, "100", "--by", "rep@accord.test")
    unknown_user = run(*entry, "100", "--by", "nobody@accord.test")
    bad_amount = run(*entry, "1,5", "--by", "marketer@accord.test")
    below_zero = run("campaign", "cost", "expo", "--month", "2026-03", "--amount", "-2000", "--by", "admin@accord.test")
    missing_by = run(*entry, "100")

    assert [r.exit_code for r in (as_rep, unknown_user, bad_amount, below_zero, missing_by)] == [2, 2, 2, 2, 2]
    assert as_rep.stderr == "Error: Only marketing, marketing leads and admins record campaign costs.\n"
    assert unknown_user.stderr == "Error: by: No active user with email nobody@accord.test.\n"
    assert bad_amount.stderr == "Error: amount: '1,5' is not an amount; write it like 1234.50.\n"
    assert below_zero.stderr == (
        "Error: amount: This correction would bring expo 2026-03 to -450.00; its entries add up to 1,550.00.\n"
    )
    assert "Missing option '--by'" in missing_by.stderr
    assert CampaignCost.objects.count() == before


def test_the_ledger_of_a_campaign(world, costs):  # noqa: F811
    result = run("campaign", "costs", "search-ads")

    assert (result.exit_code, result.stdout.splitlines()) == (
        0,
        [
            "Cost ledger of search-ads (Search ads), newest first",
            "2026-11-01 10:00  2026-03          -620.00  marketer@accord.test  Credit note 311-1",
            "2026-11-01 10:00  2026-03         6,200.00  marketer@accord.test  Invoice 311",
            "Per month: 2026-03 5,580.00",
        ],
    )
    missing = run("campaign", "costs", "nope")
    assert (missing.exit_code, missing.stderr) == (2, "Error: campaign: No campaign with code 'nope'.\n")


def test_importing_a_spreadsheet(world, costs, tmp_path):  # noqa: F811
    good = tmp_path / "good.csv"
    good.write_text("campaign,month,amount,note\nexpo,2026-04,100.00,Banner\nnewsletter,2026-04,50,\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("campaign,month,amount\nexpo,2026-05,100.00\nnewsletter,2026-4,50\n")
    before = CampaignCost.objects.count()

    refused = run("campaign", "costs-import", str(bad), "--by", "mlead@accord.test")
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr.splitlines() == [
        "  row 3, month: '2026-4' is not a month; write it as YYYY-MM, e.g. 2026-03.",
        "Error: file: 1 problem in the file; nothing was recorded.",
    ]
    assert CampaignCost.objects.count() == before

    recorded = run("campaign", "costs-import", str(good), "--by", "mlead@accord.test")
    assert (recorded.exit_code, recorded.stdout) == (0, f"Recorded 2 cost entries from {good}.\n")
    assert CampaignCost.objects.count() == before + 2

    missing = run("campaign", "costs-import", str(tmp_path / "none.csv"), "--by", "mlead@accord.test")
    assert (missing.exit_code, missing.stderr) == (2, f"Error: file: No such file: {tmp_path / 'none.csv'}.\n")
