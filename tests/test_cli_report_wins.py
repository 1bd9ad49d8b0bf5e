"""`accord report wins` and `accord digest wins` over the March of
tests/reports/test_wins.py, whose numbers are worked out there; run in-process against the
test database."""

import json

import pytest
from click.testing import CliRunner
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from accord.cli import main
from accord.reports.tasks import wins_digest_email
from tests.reports.test_wins import FIRST_WEEK_TEXT, wins  # noqa: F401 — the hand-built history

MARCH = ["--from", "2026-03-01", "--to", "2026-03-31"]
SUBJECT = "[Accord] Wins of the week 2026-03-02 – 2026-03-08: 2 deals, 18,000.00"
DIGEST_TASK = "accord.reports.tasks.wins_digest_email"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_the_csv_has_one_row_per_win(wins):  # noqa: F811
    result = run("report", "wins", *MARCH, "--format", "csv")

    assert result.exit_code == 0, result.output
    w1, w2, w3 = (wins[name].pk for name in ("W1", "W2", "W3"))
    assert result.stdout.splitlines() == [
        "won_at,opportunity,amount,ae,sdr,campaigns,campaign_owners,touchpoints",
        f"2026-03-11T10:00:00+00:00,{w2},6000.0,Rita Rep,,webinar-1,Mia Marketer,2",
        f"2026-03-06T12:00:00+00:00,{w3},8000.0,Rita Rep,,,,0",
        f"2026-03-05T10:00:00+00:00,{w1},10000.0,Alex Ae,Rita Rep,webinar-1; ads-1,Mia Marketer; Lena Lead,2",
    ]


def test_json_and_table(wins):  # noqa: F811
    as_json = json.loads(run("report", "wins", *MARCH, "--format", "json").stdout)
    table = run("report", "wins", *MARCH).stdout

    assert as_json["summary"] == {"wins": 3, "revenue": 24_000.0, "marketing_credited": 2, "marketing_share": 0.6667}
    assert as_json["rows"][2]["lead"] == {"id": wins["vera"].pk, "name": "Vera Penn"}
    assert table.splitlines() == [
        "Wins 2026-03-01 – 2026-03-31: 3 deal(s), 24,000.00; 2 with marketing credit (66.7%)",
        "2026-03-11 10:00  Bigco renewal  6,000.00  AE Rita Rep  campaigns: webinar-1 (Mia Marketer)  touchpoints: 2",
        "2026-03-06 12:00  Imported deal  8,000.00  AE Rita Rep  campaigns: —  touchpoints: 0",
        "2026-03-05 10:00  Bigco platform  10,000.00  AE Alex Ae, SDR Rita Rep  "
        "campaigns: webinar-1 (Mia Marketer), ads-1 (Lena Lead)  touchpoints: 2",
    ]


def test_a_backwards_period_exits_2_naming_the_field(world):
    result = run("report", "wins", "--from", "2026-03-31", "--to", "2026-03-01")

    assert result.exit_code == 2
    assert result.stderr == "Error: to: 'to' is before 'from'.\n"


def test_a_dry_run_prints_the_digest_and_sends_nothing(wins):  # noqa: F811
    result = run("digest", "wins", "--week-ending", "2026-03-08", "--dry-run")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Would send to 9 active user(s).\nSubject: {SUBJECT}\n\n{FIRST_WEEK_TEXT}"
    assert mail.outbox == []
    assert not DBTaskResult.objects.filter(task_path=DIGEST_TASK).exists()


def test_the_digest_is_queued_and_the_task_sends_it_to_everyone_once(wins):  # noqa: F811
    result = run("digest", "wins", "--week-ending", "2026-03-08")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Queued the wins of 2026-03-02 – 2026-03-08 (2) for 9 active user(s); the worker sends them.\n"
    )
    queued = DBTaskResult.objects.get(task_path=DIGEST_TASK)
    assert queued.args_kwargs == {"args": ["2026-03-08"], "kwargs": {}}
    assert mail.outbox == []

    assert wins_digest_email.call(*queued.args_kwargs["args"]) == 9
    assert len({tuple(message.to) for message in mail.outbox}) == 9
    assert {message.subject for message in mail.outbox} == {SUBJECT}


def test_an_empty_week_queues_nothing_and_says_so(wins):  # noqa: F811
    result = run("digest", "wins", "--week-ending", "2026-03-22")

    assert result.exit_code == 0, result.output
    assert result.stdout == "No deal was won in the week 2026-03-16 – 2026-03-22: nothing sent.\n"
    assert not DBTaskResult.objects.filter(task_path=DIGEST_TASK).exists()


def test_a_week_that_does_not_end_on_a_sunday_exits_2(world):
    result = run("digest", "wins", "--week-ending", "2026-03-09")

    assert result.exit_code == 2
    assert result.stderr == "Error: week_ending: A week ends on a Sunday; Monday 2026-03-09 is not one.\n"
    assert not DBTaskResult.objects.filter(task_path=DIGEST_TASK).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_queued_digest(wins, settings):  # noqa: F811
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    run("digest", "wins", "--week-ending", "2026-03-08")

    call_command("db_worker", batch=True, interval=0, startup_delay=False)

    assert sorted(message.to[0] for message in mail.outbox if message.subject == SUBJECT) == [
        "admin@accord.test", "am-manager@accord.test", "am-rep@accord.test", "exec@accord.test",
        "manager@accord.test", "marketer@accord.test", "mlead@accord.test", "other@accord.test", "rep@accord.test",
    ]  # fmt: skip
    assert DBTaskResult.objects.get(task_path=DIGEST_TASK).status == "SUCCESSFUL"
