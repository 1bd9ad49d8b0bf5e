"""Imports that can be run again: the same file twice changes nothing the second time; rows
match on email (any case), external id, or a stable key; --dry-run and --all-or-nothing
write nothing; and a run killed with SIGKILL halfway, then started again, leaves exactly
one copy of every row — the last done for real, in a process of its own."""

import csv
import os
import signal
import time

import pytest

from accord.crm.models import Account, Lead, LeadEvent, Opportunity, Touchpoint
from accord.people.models import User
from tests.conftest import QUALIFIABLE
from tests.imports.conftest import accord_import, summary, table_counts, write

LEADS = (
    "email,external_id,first_name,last_name,company,company_size,country,stage,owner,created_at,Plan\n"
    "ann@acme.example,crm-1,Ann,Ames,Acme,120,DE,lead,rep@accord.test,2024-05-01T10:00:00Z,pro\n"
    "bob@acme.example,crm-2,Bob,Birch,Acme,120,Germany,sal,rep@accord.test,2024-05-02,\n"
    "cy@gmail.com,,Cy,,,,,,,,free\n"
    ",crm-4,Dee,,Deco,7,FR,customer,,2024-05-03,\n"
)

TOUCHPOINTS = (
    "email,type,occurred_at,channel,campaign,note\n"
    "ann@acme.example,page_view,2024-05-01T10:00:00Z,web,,\n"
    "ann@acme.example,page_view,2024-05-01T10:05:00Z,web,,\n"
    "ann@acme.example,webinar,2024-05-02T16:00:00Z,events,Spring Webinar,Asked about pricing\n"
    "new@other.example,form_fill,2024-05-03T09:00:00Z,web,,\n"
)


def _twice(kind: str, path) -> tuple[dict, dict, dict, dict]:
    first = summary(accord_import(kind, path).stdout)
    after_first = table_counts()
    second = summary(accord_import(kind, path).stdout)
    return first, second, after_first, table_counts()


# --- the same file twice ------------------------------------------------------------------


def test_leads_twice(world, tmp_path):
    first, second, after_first, after_second = _twice("leads", write(tmp_path, "leads.csv", LEADS))

    assert first == {"read": 4, "created": 4, "updated": 0, "unchanged": 0, "rejected": 0, "accounts created": 2}
    assert second == {"read": 4, "created": 0, "updated": 0, "unchanged": 4, "rejected": 0}
    assert after_second == after_first
    assert (after_first["leads"], after_first["accounts"]) == (4, 2)


def test_touchpoints_without_an_external_id_twice(world, tmp_path):
    Lead.objects.create(email="ann@acme.example", first_name="Ann")

    first, second, after_first, after_second = _twice("touchpoints", write(tmp_path, "tp.csv", TOUCHPOINTS))

    assert (first["created"], first["leads created"], first["campaigns created"]) == (4, 1, 1)
    assert (second["created"], second["unchanged"], second.get("leads created", 0)) == (0, 4, 0)
    assert after_second == after_first
    assert after_first["touchpoints"] == 4
    assert list(Touchpoint.objects.order_by("occurred_at").values_list("lead__email", "type", "campaign__code")) == [
        ("ann@acme.example", "page_view", None),
        ("ann@acme.example", "page_view", None),
        ("ann@acme.example", "webinar", "spring-webinar"),
        ("new@other.example", "form_fill", None),
    ]


def test_touchpoints_of_a_file_that_grew_add_only_the_new_rows(world, tmp_path):
    accord_import("touchpoints", write(tmp_path, "tp.csv", TOUCHPOINTS))
    # The same rows in another order, one repeated, one new.
    lines = TOUCHPOINTS.splitlines()
    grown = [lines[0], lines[3], lines[1], "ann@acme.example,demo_request,2024-05-04T08:00:00Z,web,,", lines[1]]

    result = accord_import("touchpoints", write(tmp_path, "grown.csv", "\n".join(grown) + "\n"))

    assert result.stdout.splitlines()[0].startswith("read 4, created 1, updated 0, unchanged 3, rejected 0")
    assert Touchpoint.objects.count() == 5


def test_touchpoints_with_an_external_id_match_on_it(world, tmp_path):
    content = "external_id,email,type,occurred_at\ntp-1,ann@acme.example,page_view,2024-05-01T10:00:00Z\n"
    accord_import("touchpoints", write(tmp_path, "a.csv", content))
    # The same id at another time is the same touchpoint; the same time under a new id is another.
    moved = "external_id,email,type,occurred_at\ntp-1,ann@acme.example,page_view,2024-06-01T10:00:00Z\n"
    other = "external_id,email,type,occurred_at\ntp-2,ann@acme.example,page_view,2024-05-01T10:00:00Z\n"

    results = [summary(accord_import("touchpoints", write(tmp_path, "b.csv", c)).stdout) for c in (moved, other)]

    assert [(s["created"], s["unchanged"]) for s in results] == [(0, 1), (1, 0)]
    assert sorted(Touchpoint.objects.values_list("external_id", flat=True)) == ["tp-1", "tp-2"]


def test_a_qualifying_touchpoint_file_twice_qualifies_and_routes_once(world, tmp_path):
    """A demo request fast-tracks a lead that meets the requirements (contact and need):
    its stage and assignment events are written by the first run only."""
    lead = Lead.objects.create(**QUALIFIABLE)
    path = write(tmp_path, "tp.csv", "email,type,occurred_at\nvp@bigco.example,demo_request,2026-03-02T09:00:00Z\n")

    first, second, after_first, after_second = _twice("touchpoints", path)

    lead.refresh_from_db()
    assert (first["created"], first["leads qualified"], lead.stage, lead.owner) == (1, 1, "mql", world.rep)
    assert (second["created"], second["unchanged"], second.get("leads qualified", 0)) == (0, 1, 0)
    assert after_second == after_first
    assert list(LeadEvent.objects.filter(lead=lead).values_list("kind", "to_stage")) == [
        ("stage", "mql"),
        ("assigned", ""),
    ]


def test_accounts_twice(world, tmp_path):
    # The third row is the first again, its domain written as a web address.
    content = "name,domain,industry,company_size\nAcme,acme.example,Software,50\nBeta,,Retail,\nAcme,https://ACME.example/,,\n"

    first, second, after_first, after_second = _twice("accounts", write(tmp_path, "accounts.csv", content))

    assert (first["created"], first["unchanged"], second["unchanged"], second["created"]) == (2, 1, 3, 0)
    assert after_second == after_first
    assert sorted(Account.objects.values_list("name", "domain", "industry", "company_size")) == [
        ("Acme", "acme.example", "Software", 50),
        ("Beta", None, "Retail", None),
    ]


def test_opportunities_without_an_external_id_twice(world, tmp_path):
    Lead.objects.create(email="ann@acme.example")
    content = (
        "name,lead,account,amount,stage,created_at,closed_at\n"
        "Acme platform,ann@acme.example,Acme,1000,Demo,2024-05-01,\n"
        "Acme add-on,ann@acme.example,Acme,200,won,2024-05-02,2024-06-01\n"
    )

    first, second, after_first, after_second = _twice("opportunities", write(tmp_path, "opps.csv", content))

    assert (first["created"], second["unchanged"], second["created"], second["updated"]) == (2, 2, 0, 0)
    assert after_second == after_first
    assert list(LeadEvent.objects.filter(lead__email="ann@acme.example").values_list("to_stage", flat=True)) == [
        "sql",
        "customer",
    ]


# --- what matches what -----------------------------------------------------------------------


def test_leads_match_on_email_in_any_case(world, tmp_path):
    accord_import("leads", write(tmp_path, "a.csv", "email,first_name\nAnn@Acme.example,Ann\n"))

    result = accord_import("leads", write(tmp_path, "b.csv", "email,first_name\nANN@acme.EXAMPLE,Annie\n"))

    assert result.stdout == "read 1, created 0, updated 1, unchanged 0, rejected 0\n"
    assert list(Lead.objects.values_list("email", "first_name")) == [("ann@acme.example", "Annie")]
    assert [(e.kind, e.data.get("fields")) for e in LeadEvent.objects.order_by("pk")] == [
        ("created", None),
        ("updated", ["first_name"]),
    ]


def test_leads_match_on_external_id(world, tmp_path):
    accord_import("leads", write(tmp_path, "a.csv", "external_id,first_name\ncrm-1,Ann\ncrm-2,Bob\n"))

    result = accord_import(
        "leads",
        write(tmp_path, "b.csv", "external_id,email,first_name\ncrm-1,ann@acme.example,Ann\ncrm-2,,Bobby\n"),
    )

    assert result.stdout == "read 2, created 0, updated 2, unchanged 0, rejected 0\n"
    assert list(Lead.objects.order_by("external_id").values_list("external_id", "email", "first_name")) == [
        ("crm-1", "ann@acme.example", "Ann"),
        ("crm-2", None, "Bobby"),
    ]


def test_an_external_id_that_belongs_to_a_lead_with_another_email_is_rejected(world, tmp_path):
    accord_import("leads", write(tmp_path, "a.csv", "email,external_id\nann@acme.example,crm-1\nbob@acme.example,\n"))

    result = accord_import(
        "leads", write(tmp_path, "b.csv", "email,external_id\nbob@acme.example,crm-1\n"), "--errors", tmp_path / "e.csv"
    )

    assert result.exit_code == 1
    assert (tmp_path / "e.csv").read_text().splitlines()[1:] == [
        "2,external_id,crm-1,This external id belongs to a lead with another email."
    ]
    assert dict(Lead.objects.values_list("email", "external_id")) == {
        "ann@acme.example": "crm-1",
        "bob@acme.example": None,
    }


def test_the_same_lead_twice_in_one_file_is_one_lead(world, tmp_path):
    content = "email,first_name,company\nann@acme.example,Ann,\nANN@ACME.EXAMPLE,,Acme\n"

    result = accord_import("leads", write(tmp_path, "a.csv", content))

    assert summary(result.stdout) == {
        "read": 2,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "accounts created": 1,
        "merged duplicate rows": 1,
    }
    assert list(Lead.objects.values_list("email", "first_name", "company")) == [("ann@acme.example", "Ann", "Acme")]
    assert LeadEvent.objects.filter(kind="created").count() == 1


# --- writing nothing ---------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_what_it_would_have_done(world, tmp_path):
    Lead.objects.create(email="ann@acme.example", first_name="Ann")
    Lead.objects.create(email="bob@acme.example", first_name="Bob")
    before = table_counts()
    content = (
        "email,first_name,owner\n"
        "ann@acme.example,Annie,\n"  # updated
        "bob@acme.example,Bob,\n"  # unchanged
        "cy@acme.example,Cy,Dana Seller\n"  # created, with a user
        "cy@acme.example,Cyril,\n"  # in the next chunk: updates the lead the row before made
        "bad,X,\n"  # rejected
    )
    write(tmp_path, "mapping.json", '{"create_users": true}')

    result = accord_import(
        "leads",
        write(tmp_path, "leads.csv", content),
        "--mapping",
        tmp_path / "mapping.json",
        "--dry-run",
        "--chunk-rows",
        "3",
        "--errors",
        tmp_path / "errors.csv",
    )

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "read 5, created 1, updated 2, unchanged 1, rejected 1, users created 1",
        "Dry run: nothing was written.",
    ]
    assert (tmp_path / "errors.csv").read_text().splitlines()[1:] == ["6,email,bad,Not a valid email address."]
    assert table_counts() == before
    assert list(Lead.objects.order_by("email").values_list("email", "first_name")) == [
        ("ann@acme.example", "Ann"),
        ("bob@acme.example", "Bob"),
    ]
    assert not User.objects.filter(first_name="Dana").exists()


def test_dry_run_of_a_clean_file_exits_0(world, tmp_path):
    result = accord_import("accounts", write(tmp_path, "a.csv", "name\nAcme\n"), "--dry-run")

    assert (result.exit_code, result.stdout) == (
        0,
        "read 1, created 1, updated 0, unchanged 0, rejected 0\nDry run: nothing was written.\n",
    )
    assert Account.objects.count() == 0


@pytest.mark.parametrize(
    ("bad_row", "error"),
    [
        ("zed@acme.example,Zed,lots,", '9,company_size,lots,"Not a whole number from 0 to 10,000,000."'),
        (
            "zed@acme.example,Zed,5,Nobody Known",
            '9,owner,Nobody Known,"No user with this email or name (add the user, or set ""create_users"": true)."',
        ),
    ],
    ids=["bad-cell", "unknown-owner"],
)
def test_all_or_nothing_writes_nothing_when_a_row_is_rejected(world, tmp_path, bad_row, error):
    before = table_counts()
    good = "".join(f"p{i}@acme.example,P{i},5,\n" for i in range(7))
    path = write(tmp_path, "leads.csv", "email,first_name,company_size,owner\n" + good + bad_row + "\n")

    # The bad row is in the last of four chunks: the three before it were already written.
    result = accord_import("leads", path, "--all-or-nothing", "--chunk-rows", "2", "--errors", tmp_path / "errors.csv")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "read 8, created 7, updated 0, unchanged 0, rejected 1",
        "Some rows were rejected and --all-or-nothing was given: nothing was written.",
    ]
    assert (tmp_path / "errors.csv").read_text().splitlines()[1:] == [error]
    assert table_counts() == before


def test_all_or_nothing_writes_everything_when_no_row_is_rejected(world, tmp_path):
    content = "email,first_name\n" + "".join(f"p{i}@acme.example,P{i}\n" for i in range(5))

    result = accord_import("leads", write(tmp_path, "leads.csv", content), "--all-or-nothing", "--chunk-rows", "2")

    assert (result.exit_code, result.stdout) == (0, "read 5, created 5, updated 0, unchanged 0, rejected 0\n")
    assert Lead.objects.count() == LeadEvent.objects.filter(kind="created").count() == 5


def test_opportunities_all_or_nothing_leaves_leads_where_they_were(world, tmp_path):
    lead = Lead.objects.create(email="ann@acme.example", stage="sal")
    content = "name,lead,stage,created_at\nAcme deal,ann@acme.example,Demo,2024-05-01\nBad deal,,Nowhere,2024-05-01\n"

    result = accord_import("opportunities", write(tmp_path, "o.csv", content), "--all-or-nothing")

    assert result.exit_code == 1
    assert (Opportunity.objects.count(), LeadEvent.objects.count()) == (0, 0)
    lead.refresh_from_db()
    assert lead.stage == "sal"


# --- killed halfway ------------------------------------------------------------------------------


def _lead_file(path, rows: int) -> set[str]:
    """`rows` leads over 300 companies; every 400th row repeats the lead 250 rows before it,
    its email in capitals. Returns the distinct emails, as stored."""
    emails = set()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "first_name", "company", "country", "company_size"])
        for i in range(rows):
            n = i - 250 if i % 400 == 399 else i
            email = f"person{n}@company{n % 300}.example"
            writer.writerow([email.upper() if n != i else email, f"P{n}", f"Company {n % 300}", "DE", n % 500])
            emails.add(email)
    return emails


def _touchpoint_file(path, rows: int) -> tuple[int, set[str]]:
    """`rows` page views a minute apart by up to 2,000 people, no external id; every 400th
    row repeats the one 250 rows before it. Returns the number of distinct touchpoints and
    the emails."""
    distinct, emails = 0, set()
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "type", "occurred_at", "channel"])
        for i in range(rows):
            n = i - 250 if i % 400 == 399 else i
            distinct += n == i
            minute = f"2024-05-{1 + n // 1440:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00Z"
            person = n % 2000
            emails.add(f"person{person}@company{person % 300}.example")
            writer.writerow([f"person{person}@company{person % 300}.example", "page_view", minute, "web"])
    return distinct, emails


def _kill_when(process, database, table: str, at_least: int, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while database.scalar(f"SELECT count(*) FROM {table}") < at_least:  # noqa: S608
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.02)
    assert process.poll() is None, "the import ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_leads_killed_halfway_then_run_again(own_database, tmp_path):
    path = tmp_path / "leads.csv"
    emails = _lead_file(path, 60_000)
    assert len(emails) == 60_000 - 150

    running = own_database.popen("import", "leads", path, "--chunk-rows", "1000")
    _kill_when(running, own_database, "crm_lead", at_least=5_000)
    committed = own_database.scalar("SELECT count(*) FROM crm_lead")
    assert running.returncode == -signal.SIGKILL
    assert 5_000 <= committed < len(emails)

    again = own_database.accord("import", "leads", path, "--chunk-rows", "1000")

    assert again.returncode == 0, again.stderr
    counts = summary(again.stdout)
    assert (counts["read"], counts["created"], counts["rejected"]) == (60_000, len(emails) - committed, 0)
    stored = {email for (email,) in own_database.query("SELECT email FROM crm_lead")}
    assert own_database.scalar("SELECT count(*) FROM crm_lead") == len(stored) == len(emails)
    assert stored == emails
    assert own_database.scalar("SELECT count(*) FROM crm_leadevent WHERE kind = 'created'") == len(emails)
    assert (
        own_database.query(
            "SELECT lead_id FROM crm_leadevent WHERE kind = 'created' GROUP BY lead_id HAVING count(*) > 1"
        )
        == []
    )
    assert own_database.query("SELECT count(*), count(DISTINCT lower(name)) FROM crm_account") == [(300, 300)]
    events = own_database.scalar("SELECT count(*) FROM crm_leadevent")

    third = own_database.accord("import", "leads", path)

    assert third.returncode == 0, third.stderr
    assert summary(third.stdout)["created"] == summary(third.stdout)["updated"] == 0
    assert own_database.scalar("SELECT count(*) FROM crm_lead") == len(emails)
    assert own_database.scalar("SELECT count(*) FROM crm_leadevent") == events


def test_touchpoints_killed_halfway_then_run_again(own_database, tmp_path):
    path = tmp_path / "touchpoints.csv"
    distinct, emails = _touchpoint_file(path, 40_000)
    # Rows 399, 799, … (every 400th) repeat others, so five of the 2,000 people never appear.
    assert (distinct, len(emails)) == (40_000 - 100, 1_995)

    running = own_database.popen("import", "touchpoints", path, "--chunk-rows", "1000")
    _kill_when(running, own_database, "crm_touchpoint", at_least=4_000)
    committed = own_database.scalar("SELECT count(*) FROM crm_touchpoint")
    assert 4_000 <= committed < distinct

    again = own_database.accord("import", "touchpoints", path, "--chunk-rows", "1000")

    assert again.returncode == 0, again.stderr
    assert summary(again.stdout)["created"] == distinct - committed
    assert own_database.scalar("SELECT count(*) FROM crm_touchpoint") == distinct
    assert own_database.query(
        "SELECT count(*) FROM (SELECT lead_id, occurred_at FROM crm_touchpoint "
        "GROUP BY lead_id, occurred_at HAVING count(*) > 1) AS doubled"
    ) == [(0,)]
    assert {email for (email,) in own_database.query("SELECT email FROM crm_lead")} == emails
    assert own_database.scalar("SELECT count(*) FROM crm_lead") == len(emails)
    assert own_database.scalar("SELECT count(*) FROM crm_leadevent WHERE kind = 'created'") == len(emails)
    assert own_database.scalar("SELECT count(*) FROM crm_lead WHERE scored_at IS NULL") == 0


def test_two_rows_with_one_external_id_and_different_emails_are_one_import_error(world, tmp_path):
    """Two people cannot share a source system's id: the second row is rejected, in the
    same chunk and across chunks, and the first lead keeps its email."""
    from accord.imports.services import import_run

    path = tmp_path / "dup.csv"
    path.write_text("email,external_id\na1@p.example,dup-1\nb1@p.example,dup-1\nc1@p.example,dup-2\n")
    result = import_run("leads", path)
    assert [(e.line, e.column, e.value) for e in result.errors] == [(3, "external_id", "dup-1")]
    assert sorted(Lead.objects.values_list("email", "external_id")) == [
        ("a1@p.example", "dup-1"),
        ("c1@p.example", "dup-2"),
    ]

    later = tmp_path / "later.csv"
    later.write_text("email,external_id\nb1@p.example,dup-1\n")
    result = import_run("leads", later)
    assert [(e.line, e.column) for e in result.errors] == [(2, "external_id")]
    assert Lead.objects.get(external_id="dup-1").email == "a1@p.example"


@pytest.mark.parametrize("cell", ["hello", "[1, 2]"])
def test_a_custom_cell_that_is_not_a_json_object_rejects_its_row(world, tmp_path, cell):
    from accord.imports.services import import_run

    path = tmp_path / "custom.csv"
    path.write_text(f'email,custom\na@p.example,"{cell}"\nb@p.example,"{{""tier"": ""gold""}}"\n')
    result = import_run("leads", path)
    assert [(e.line, e.column, e.value) for e in result.errors] == [(2, "custom", cell)]
    assert dict(Lead.objects.values_list("email", "custom")) == {"b@p.example": {"tier": "gold"}}
