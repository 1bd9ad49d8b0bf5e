"""`accord report compensation` and `accord compensation policy-set | policies` over the
March of tests/reports/test_compensation.py, whose numbers are worked out there; run
in-process against the test database."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.reports.models import CompensationPolicy
from tests.reports.test_compensation import march, policies  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_payroll_csv(world, march, policies):  # noqa: F811
    result = run("report", "compensation", *MARCH, "--format", "csv")

    assert result.exit_code == 0, result.output
    p2, p3 = policies["P2"].pk, policies["P3"].pk
    # (The file's lines end in CRLF; the test runner's stdout gives them as \n.)
    assert result.stdout == (
        "rep_email,rep,rep_id,handed_over,on_time,late,ignored,reassigned,waiting,won,"
        "reward,penalty,bonus,total,currency,policy_versions,without_policy\n"
        f"other@accord.test,other@accord.test,{world.other_rep.pk},0,0,0,0,0,0,0,0.00,0.00,0.00,0.00,EUR,[],0\n"
        f'rep@accord.test,Rita Rep,{world.rep.pk},9,4,2,2,0,1,2,42.50,9.00,250.00,283.50,EUR,"[{p2},{p3}]",0\n'
        f"am-rep@accord.test,Sam Seller,{world.americas_rep.pk},0,0,0,0,0,0,0,0.00,0.00,0.00,0.00,EUR,[],0\n"
    )


def test_json_is_the_report(world, march, policies):  # noqa: F811
    result = run("report", "compensation", *MARCH, "--format", "json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["from"], report["to"], report["currency"]) == ("2026-03-01", "2026-03-31", "EUR")
    assert [(row["rep"], row["total"]) for row in report["rows"]] == [
        ("other@accord.test", "0.00"),
        ("Rita Rep", "283.50"),
        ("Sam Seller", "0.00"),
    ]
    assert report["total"]["total"] == "283.50"
    assert [policy["id"] for policy in report["policies"]] == [policies["P2"].pk, policies["P3"].pk]


def test_the_table_for_people(world, march, policies):  # noqa: F811
    result = run("report", "compensation", *MARCH)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Compensation 2026-03-01 – 2026-03-31 (EUR)"
    assert lines[3].split() == ["Rita", "Rep", "9", "4", "2", "2", "0", "1", "2", "42.50", "9.00", "250.00", "283.50"]
    assert lines[5].split() == ["All", "9", "4", "2", "2", "0", "1", "2", "42.50", "9.00", "250.00", "283.50"]
    assert lines[6:] == [
        f"Policy v{policies['P2'].pk} from 2026-03-01: 10.00 per on-time follow-up, 4.00 per ignored lead, "
        "100.00 per won marketing lead.",
        f"Policy v{policies['P3'].pk} from 2026-03-16: 12.50 per on-time follow-up, 5.00 per ignored lead, "
        "150.00 per won marketing lead.",
    ]


def test_february_says_nothing_was_paid(world, march):  # noqa: F811
    """H's hand-off and win came before the first version (1 March)."""
    result = run("report", "compensation", "--from", "2026-02-01", "--to", "2026-02-28")

    last = result.stdout.splitlines()[-1]
    assert last == "2 hand-off(s) or win(s) came before the first policy version: paid nothing."


def test_a_backwards_period_fails_naming_the_field(world):
    result = run("report", "compensation", "--from", "2026-03-31", "--to", "2026-03-01")

    assert result.exit_code == 2
    assert result.stderr == "Error: to: 'to' is before 'from'.\n"


def test_an_executive_sets_a_version(world):
    result = run(
        "compensation", "policy-set", "--reward", "12.5", "--penalty", "5", "--bonus", "150",
        "--from", "2026-04-01", "--currency", "usd", "--note", "Q2 plan", "--by", "EXEC@accord.test",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    stored = CompensationPolicy.objects.get()
    assert result.stdout == (
        f"Added policy v{stored.pk} from 2026-04-01: 12.50 per on-time follow-up, 5.00 per ignored lead, "
        "150.00 per won marketing lead (USD).\n"
    )
    assert (stored.created_by, stored.note, stored.currency) == (world.executive, "Q2 plan", "USD")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ["--reward", "-1", "--by", "admin@accord.test"],
            "Error: reward_on_time: An amount is 0 or more and below 1,000,000,000.\n",
            id="negative-reward",
        ),
        pytest.param(
            ["--reward", "10", "--currency", "EURO", "--by", "admin@accord.test"],
            "Error: currency: 'EURO' is not a currency: give its three-letter ISO 4217 code, e.g. EUR.\n",
            id="bad-currency",
        ),
        pytest.param(
            ["--reward", "10", "--by", "rep@accord.test"],
            "Error: Only an admin or an executive sets the compensation policy.\n",
            id="a-rep",
        ),
        pytest.param(
            ["--reward", "10", "--by", "nobody@accord.test"],
            "Error: by: No active user with email nobody@accord.test.\n",
            id="unknown-user",
        ),
    ],
)
def test_a_refused_version_exits_2_and_writes_nothing(world, options, message):
    result = run("compensation", "policy-set", "--penalty", "4", "--bonus", "100", "--from", "2026-04-01", *options)

    assert (result.exit_code, result.stderr) == (2, message)
    assert not CompensationPolicy.objects.exists()


def test_the_history(world, policies):  # noqa: F811
    result = run("compensation", "policies")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["version", "from", "reward", "penalty", "bonus", "currency", "added", "(UTC)", "by"]
    assert [line.split() for line in lines[1:]] == [
        [f"v{policies['P3'].pk}", "2026-03-16", "12.50", "5.00", "150.00", "EUR", "2026-03-10", "09:00",
         "exec@accord.test"],
        [f"v{policies['P2'].pk}", "2026-03-01", "10.00", "4.00", "100.00", "EUR", "2026-02-20", "09:00",
         "admin@accord.test"],
        [f"v{policies['P1'].pk}", "2026-03-01", "1.00", "4.00", "100.00", "EUR", "2026-02-15", "09:00",
         "admin@accord.test"],
    ]  # fmt: skip
