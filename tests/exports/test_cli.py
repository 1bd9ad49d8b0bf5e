"""`accord export`, run in-process against the test database: standard output unless
--output is given, a progress bar on standard error only, the date filter, bad input."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.exports.formats import WRITERS
from accord.exports.rows import EXPORTS, LEAD_COLUMNS

HEADER = ",".join(LEAD_COLUMNS)


def run(*args: str):
    return CliRunner().invoke(main, ["export", *args], catch_exceptions=False)


def stdout(result) -> str:
    """Standard output as written: `result.stdout` would turn CSV's CRLFs into LFs."""
    return result.stdout_bytes.decode()


def test_the_command_offers_every_kind_and_format():
    command = main.get_command(None, "export")
    kind, file_format = (next(p for p in command.params if p.name == name) for name in ("kind", "file_format"))

    assert (tuple(kind.type.choices), tuple(file_format.type.choices)) == (tuple(EXPORTS), tuple(WRITERS))


def test_csv_to_standard_output(exported):
    result = run("leads", "--format", "csv")

    assert result.exit_code == 0, result.output
    lines = stdout(result).split("\r\n")
    assert lines[0] == HEADER
    assert [line.split(",")[1] for line in lines[1:-1]] == ["vera@bigco.example", "", "late@smallco.example"]
    assert lines[-1] == ""
    assert result.stderr == ""


def test_csv_is_the_default_format(exported):
    assert stdout(run("opportunities")) == stdout(run("opportunities", "--format", "csv"))


def test_jsonl_to_standard_output(exported):
    result = run("events", "--format", "jsonl")

    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["kind"], r["to_stage"], r["definition"]) for r in records] == [
        (exported.created.pk, "created", "lead", None),
        (exported.accepted.pk, "stage", "sal", 2),
        (exported.recycled.pk, "stage", "recycled", None),
    ]


@pytest.mark.parametrize(
    ("args", "emails"),
    [
        (["--from", "2026-03-02", "--to", "2026-03-02"], ["vera@bigco.example"]),
        (["--from", "2026-03-03"], [None, "late@smallco.example"]),
        (["--to", "2026-03-04"], ["vera@bigco.example", None]),
    ],
)
def test_from_and_to_pick_whole_utc_days(exported, args, emails):
    result = run("leads", "--format", "jsonl", *args)

    assert [json.loads(line)["email"] for line in result.stdout.splitlines()] == emails


def test_to_a_file_with_a_progress_bar_on_standard_error(exported, tmp_path):
    target = tmp_path / "touchpoints.csv"

    result = run("touchpoints", "--output", str(target))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "Exporting touchpoints" in result.stderr
    assert result.stderr.endswith(f"Wrote 2 touchpoints to {target}.\n")
    assert target.read_bytes().decode().split("\r\n") == [
        "id,external_id,email,lead_external_id,type,channel,campaign,occurred_at,utm_source,utm_medium,utm_campaign,note",
        f"{exported.webinar.pk},tp-1,vera@bigco.example,crm-42,webinar,events,webinar-1,2026-03-03T09:30:00+00:00,"
        "linkedin,paid,spring,Asked about pricing",
        f"{exported.page_view.pk},,,crm-43,page_view,,,2026-03-04T12:00:00+00:00,,,,'=cmd|' /C calc'!A0",
        "",
    ]


def test_the_file_holds_what_standard_output_would(exported, tmp_path):
    target = tmp_path / "leads.jsonl"

    run("leads", "--format", "jsonl", "-o", str(target))

    assert target.read_text(encoding="utf-8") == stdout(run("leads", "--format", "jsonl"))


def test_an_empty_export_is_the_header(db):
    header = "id,lead_id,email,kind,from_stage,to_stage,actor,reason,note,definition,data,occurred_at"

    assert stdout(run("events")) == header + "\r\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["leads", "--from", "2026-03-05", "--to", "2026-03-04"], "Error: to: 'to' is before 'from'."),
        (["leads", "--from", "05/03/2026"], "Invalid value for '--from'"),
        (["accounts"], "'accounts' is not one of 'leads', 'touchpoints', 'opportunities', 'events'."),
        (["leads", "--format", "xlsx"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_fails_with_a_message_and_writes_nothing(db, tmp_path, args, message):
    target = tmp_path / "out.csv"

    result = CliRunner().invoke(main, ["export", *args, "--output", str(target)])

    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert result.stdout == ""
    assert not target.exists()
