"""What each writer matches, creates, updates and leaves alone."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accord.campaigns.models import Campaign
from accord.crm import services
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, SalesStage, Touchpoint
from accord.definitions.models import LeadDefinition
from accord.definitions.scoring import score_lead
from accord.imports.convert import Lookups
from accord.imports.mapping import mapping_parse
from accord.imports.services import _read_ahead, import_plan, import_run
from accord.people.models import Role, User
from accord.routing.models import SlaClock
from accord.routing.services import sla_flag_breach
from tests.conftest import MONDAY_10, QUALIFIABLE

NOW = MONDAY_10
NO_USER = 'No user with this email or name (add the user, or set "create_users": true).'


def run(kind: str, tmp_path, text: str, *, mapping: dict | None = None, preset: str = "generic", name=None):
    path = tmp_path / (name or f"{kind}.csv")
    path.write_text(text, encoding="utf-8")
    parsed = mapping_parse(mapping, kind=kind) if mapping else None
    return import_run(kind, path, preset=preset, mapping=parsed, now=NOW)


def errors(result) -> list[tuple]:
    return [(e.line, e.column, e.value, e.reason) for e in result.errors]


# --- leads: accounts ----------------------------------------------------------------------------


def test_new_leads_find_their_account_by_corporate_domain_then_by_name(world, tmp_path):
    bigco = Account.objects.create(name="Bigco", domain="bigco.example")
    namely = Account.objects.create(name="Namely GmbH")
    text = """email,company,industry,country,company_size,created_at
a@bigco.example,Something Else,,,,
b@gmail.com,namely gmbh,,,,
c@fresh.example,Fresh AG,Software,Germany,"1,200",2025-05-05T12:00:00Z
d@hotmail.com,Solo Ltd,,,,
e@fresh.example,Fresh AG,,,,
f@nocompany.example,,,,,
"""
    result = run("leads", tmp_path, text)

    assert result.summary["accounts created"] == 2
    fresh = Account.objects.get(name="Fresh AG")
    solo = Account.objects.get(name="Solo Ltd")
    assert (fresh.domain, fresh.industry, fresh.country.code, fresh.company_size, fresh.created_at) == (
        "fresh.example",
        "Software",
        "DE",
        1200,
        datetime(2025, 5, 5, 12, 0, tzinfo=UTC),
    )
    assert (solo.domain, solo.created_at) == (None, NOW)  # a free-mail domain is nobody's company
    accounts = {lead.email: lead.account for lead in Lead.objects.all()}
    assert accounts == {
        "a@bigco.example": bigco,  # the domain wins over the company name
        "b@gmail.com": namely,  # names match in any case
        "c@fresh.example": fresh,
        "d@hotmail.com": solo,
        "e@fresh.example": fresh,  # one account per company, also within a file
        "f@nocompany.example": None,
    }


def test_a_company_name_with_accents_finds_its_account_in_any_case(world, tmp_path):
    aerzte = Account.objects.create(name="Ärzte Nord")

    run("leads", tmp_path, "email,company\nx@gmail.com,ÄRZTE NORD\n")

    assert Lead.objects.get(email="x@gmail.com").account == aerzte
    assert Account.objects.count() == 1


# --- leads: updates -------------------------------------------------------------------------------

FIRST = """email,first_name,last_name,company,title,phone,created_at
ann@acme.example,Ann,Lee,Acme,CTO,123,2025-01-01
zed@zed.example,Zed,Zane,Zed Co,,,2025-01-02
"""
SECOND = """email,first_name,last_name,company,title,phone,Favourite colour
ann@acme.example,Anna,,,CTO,,blue
zed@zed.example,Zed,Zane,Zed Co,,,
"""


def test_an_update_overwrites_with_non_empty_cells_and_names_the_changed_fields(world, tmp_path):
    run("leads", tmp_path, FIRST)
    zed_events = list(Lead.objects.get(email="zed@zed.example").events.values_list("pk", flat=True))

    result = run("leads", tmp_path, SECOND, name="second.csv")

    assert result.summary == {"read": 2, "created": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    ann = Lead.objects.get(email="ann@acme.example")
    assert (ann.first_name, ann.last_name, ann.company, ann.title, ann.phone) == ("Anna", "Lee", "Acme", "CTO", "123")
    assert ann.custom == {"Favourite colour": "blue"}
    assert ann.created_at == datetime(2025, 1, 1, tzinfo=UTC)
    updated = ann.events.get(kind="updated")
    assert (updated.occurred_at, updated.data) == (NOW, {"fields": ["custom", "first_name"], "by": "import"})
    # An unchanged row writes nothing at all.
    assert list(Lead.objects.get(email="zed@zed.example").events.values_list("pk", flat=True)) == zed_events


def test_importing_the_same_leads_again_changes_nothing(world, tmp_path):
    run("leads", tmp_path, FIRST)
    events = LeadEvent.objects.count()

    result = run("leads", tmp_path, FIRST)

    assert result.summary == {"read": 2, "created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert LeadEvent.objects.count() == events


def test_leads_are_matched_by_external_id_when_they_have_no_email(world, tmp_path):
    run("leads", tmp_path, "external_id,first_name,source\nX-1,Xia,fair\n")

    result = run("leads", tmp_path, "external_id,first_name,source\nX-1,Xiaoli,\n")

    assert result.summary["updated"] == 1
    lead = Lead.objects.get(external_id="X-1")
    assert (lead.email, lead.first_name, lead.source) == (None, "Xiaoli", "fair")


# --- touchpoints ------------------------------------------------------------------------------------


def test_touchpoints_need_a_known_lead_external_id(world, tmp_path):
    run("leads", tmp_path, "external_id,first_name\nX-1,Xia\n")
    text = """lead_external_id,email,type,occurred_at
X-1,,webinar,2026-02-01T10:00:00Z
X-2,,webinar,2026-02-01T10:00:00Z
,,webinar,2026-02-01T10:00:00Z
"""
    result = run("touchpoints", tmp_path, text)

    assert errors(result) == [
        (3, "lead_external_id", "X-2", "No lead with this external id."),
        (4, "lead_external_id", "", "Needs the lead's email."),
    ]
    assert list(Touchpoint.objects.values_list("lead__external_id", "type")) == [("X-1", "webinar")]


def test_a_new_subscriber_joins_the_account_of_its_domain_and_channels_come_from_campaigns(world, tmp_path):
    bigco = Account.objects.create(name="Bigco", domain="bigco.example")
    Account.objects.create(name="Gmail users", domain="gmail.com")  # never matched: free mail
    Campaign.objects.create(code="spring-webinar", name="Spring webinar", channel="events")
    text = """email,type,campaign,channel,occurred_at
new@bigco.example,webinar,spring-webinar,,2026-02-01T10:00:00Z
other@gmail.com,webinar,spring-webinar,partner,2026-02-01T10:00:00Z
third@unknown.example,page_view,,,2026-02-01T11:00:00Z
"""
    result = run("touchpoints", tmp_path, text)

    assert errors(result) == []
    leads = dict(Lead.objects.values_list("email", "account_id"))
    assert leads == {"new@bigco.example": bigco.pk, "other@gmail.com": None, "third@unknown.example": None}
    assert sorted(Touchpoint.objects.values_list("lead__email", "channel")) == [
        ("new@bigco.example", "events"),  # empty: the campaign's channel
        ("other@gmail.com", "partner"),  # given: kept
        ("third@unknown.example", ""),  # neither
    ]


# --- accounts ---------------------------------------------------------------------------------------

ACCOUNTS = """name,domain,industry,country,company_size,owner
Bigco Inc,https://www.BigCo.example/about,Software,DE,500,rep@accord.test
Namely GmbH,,Retail,,,
ÄRZTE NORD,,Healthcare,,,
Acme,acme.de,,,,
New Co,newco.example,,France,12,
New Co,,,,,
Nothing,http://,,,,
Ghost Ltd,,,,,nobody@accord.test
"""


@pytest.fixture
def stored_accounts(world):
    return {
        "bigco": Account.objects.create(name="Bigco", domain="bigco.example"),
        "namely": Account.objects.create(name="Namely GmbH"),
        "aerzte": Account.objects.create(name="Ärzte Nord"),
        "acme": Account.objects.create(name="Acme", domain="acme.com"),
    }


def test_accounts_match_on_domain_then_name(stored_accounts, world, tmp_path):
    result = run("accounts", tmp_path, ACCOUNTS)

    assert result.summary == {"read": 8, "created": 3, "updated": 3, "unchanged": 1, "rejected": 1}
    assert errors(result) == [(9, "owner", "nobody@accord.test", NO_USER)]
    rows = {(a.name, a.domain, a.industry, a.country.code, a.company_size, a.owner) for a in Account.objects.all()}
    assert rows == {
        ("Bigco Inc", "bigco.example", "Software", "DE", 500, world.rep),  # the bare domain matched
        ("Namely GmbH", None, "Retail", "", None, None),
        ("ÄRZTE NORD", None, "Healthcare", "", None, None),  # any case, accents included
        ("Acme", "acme.com", "", "", None, None),
        ("Acme", "acme.de", "", "", None, None),  # another domain: another company of that name
        ("New Co", "newco.example", "", "FR", 12, None),  # the second row, by name, changes nothing
        ("Nothing", None, "", "", None, None),  # "http://" is no domain
    }
    assert Account.objects.get(name="Bigco Inc").pk == stored_accounts["bigco"].pk


def test_importing_the_same_accounts_again_changes_nothing(stored_accounts, tmp_path):
    run("accounts", tmp_path, ACCOUNTS)

    result = run("accounts", tmp_path, ACCOUNTS)

    assert result.summary == {"read": 8, "created": 0, "updated": 0, "unchanged": 7, "rejected": 1}
    assert Account.objects.count() == 7


def test_an_account_update_never_erases(stored_accounts, tmp_path):
    run("accounts", tmp_path, "name,domain,industry,company_size\nBigco,bigco.example,Software,500\n")

    result = run("accounts", tmp_path, "name,domain,industry,company_size\nBigco,bigco.example,,\n")

    assert result.summary["unchanged"] == 1
    bigco = Account.objects.get(domain="bigco.example")
    assert (bigco.industry, bigco.company_size) == ("Software", 500)


# --- opportunities ----------------------------------------------------------------------------------


@pytest.fixture
def crm(world, tmp_path):
    User.objects.filter(pk=world.other_rep.pk).update(first_name="Olga", last_name="Ortiz")
    Account.objects.create(name="Acme")
    run("leads", tmp_path, "email,first_name,company,created_at\nlee@l.example,Lee,L Ltd,2025-01-01\n", name="l.csv")
    return world


DEALS = """external_id,name,lead,account,owner,lead_owner,amount,stage,created_at,closed_at
O1,By name,,acme,Olga Ortiz,,10,open,2025-08-01,2025-09-30
O2,Unknown owner,,Brand New,Jane Doe,,20,Proposal,2025-08-02,
O3,With an SDR,lee@l.example,,,rep@accord.test,30,,2025-08-03,
O4,Unknown SDR,lee@l.example,,,Someone Else,40,,2025-08-04,
"""


def test_deal_owners_are_users_by_email_or_name_else_kept_by_name(crm, tmp_path):
    result = run("opportunities", tmp_path, DEALS)

    assert result.summary == {
        "read": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert errors(result) == [(5, "lead_owner", "Someone Else", NO_USER)]
    rows = {
        o.external_id: (o.owner, o.owner_name, o.account.name if o.account else None, o.sales_stage.name)
        for o in Opportunity.objects.all()
    }
    assert rows == {
        "O1": (crm.other_rep, "", "Acme", "Discovery"),  # an open deal starts at the first sales stage
        "O2": (None, "Jane Doe", "Brand New", "Proposal"),
        "O3": (None, "", None, "Discovery"),
    }
    assert Opportunity.objects.get(external_id="O1").expected_close_on == date(2025, 9, 30)


def test_the_lead_owner_takes_a_lead_nobody_owns(crm, tmp_path):
    run("opportunities", tmp_path, DEALS)

    lee = Lead.objects.get(email="lee@l.example")
    assert (lee.owner, lee.team, lee.stage, lee.stage_changed_at) == (
        crm.rep,
        crm.emea,
        "sql",
        datetime(2025, 8, 3, tzinfo=UTC),
    )


def test_create_users_makes_inactive_reps_of_unknown_owners(crm, tmp_path):
    result = run("opportunities", tmp_path, DEALS, mapping={"create_users": True})

    assert result.summary["users created"] == 2
    jane = User.objects.get(first_name="Jane", last_name="Doe")
    sdr = User.objects.get(first_name="Someone", last_name="Else")
    assert (jane.role, jane.is_active, jane.email.endswith("@imported.invalid")) == (Role.SALES_REP, False, True)
    assert (sdr.first_name, sdr.last_name, sdr.is_active) == ("Someone", "Else", False)
    assert Opportunity.objects.get(external_id="O2").owner == jane

    again = run("opportunities", tmp_path, DEALS, mapping={"create_users": True})

    assert "users created" not in again.summary
    assert again.summary == {"read": 4, "created": 0, "updated": 0, "unchanged": 4, "rejected": 0}


def test_a_deal_update_never_erases(crm, tmp_path):
    run("opportunities", tmp_path, DEALS)
    text = "external_id,name,lead,account,owner,amount,stage,closed_at\nO1,By name,,,,,,\n"

    result = run("opportunities", tmp_path, text, name="again.csv")

    assert result.summary["unchanged"] == 1
    o1 = Opportunity.objects.get(external_id="O1")
    assert (o1.owner, o1.amount, o1.status, o1.expected_close_on) == (
        crm.other_rep,
        Decimal("10.00"),
        "open",
        date(2025, 9, 30),
    )


HUBSPOT_DEALS = """Record ID,Deal Name,Amount,Deal Stage,Close Date,Create Date,Deal owner
101,Hub deal,5000,presentationscheduled,2025-10-01,2025-08-01,rep@accord.test
102,Hub won,7000,Closed Won,2025-07-15 12:00,2025-06-01,
103,Hub lost,100,closedlost,2025-07-20,2025-06-01,
"""


def test_hubspot_deal_stages_map_to_statuses_and_sales_stages(world, tmp_path):
    result = run("opportunities", tmp_path, HUBSPOT_DEALS, preset="hubspot")

    assert result.summary["created"] == 3
    rows = {
        o.external_id: (o.status, o.sales_stage.name if o.sales_stage else None, o.closed_at, o.expected_close_on)
        for o in Opportunity.objects.all()
    }
    assert rows == {
        "101": ("open", "Demo", None, date(2025, 10, 1)),
        "102": ("won", None, datetime(2025, 7, 15, 12, 0, tzinfo=UTC), None),
        "103": ("lost", None, datetime(2025, 7, 20, tzinfo=UTC), None),
    }
    assert SalesStage.objects.count() == 4  # no stage invented


def test_a_deal_import_stops_the_clock_of_a_lead_handed_over_live(world, tmp_path):
    lead, _ = services.lead_capture(data=QUALIFIABLE, acting_user=world.marketer, at=NOW)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=NOW)
    clock = SlaClock.objects.get(lead=lead)
    created = NOW + timedelta(hours=1)

    run("opportunities", tmp_path, f"name,lead,amount,created_at\nLive deal,{lead.email},100,{created.isoformat()}\n")

    clock.refresh_from_db()
    assert (clock.stopped_at, clock.outcome) == (created, "converted")
    assert sla_flag_breach(clock.pk, at=clock.due_at) is False
    assert Lead.objects.get(pk=lead.pk).stage == "sql"


# --- scores -----------------------------------------------------------------------------------------


def test_a_new_lead_is_scored_as_it_is_stored(world, tmp_path):
    LeadDefinition.objects.filter(status="active").update(status="retired")
    document = {
        "fit_rules": [
            {"when": {"field": "campaign", "op": "eq", "value": "spring-fair"}, "points": 7},
            {"when": {"field": "email_domain", "op": "eq", "value": "bigco.example"}, "points": 11},
        ],
        "negative_rules": [{"when": {"field": "consent_email", "op": "eq", "value": False}, "points": -10}],
        "requirements": {"contact": False},
    }
    definition = LeadDefinition.objects.create(version=3, name="Attributes", status="active", document=document)
    text = """email,campaign,consent_email
a@bigco.example,Spring Fair,
b@other.example,,yes
c@other.example,,no
"""
    run("leads", tmp_path, text)

    # A lead stored without consent has consent_email false: "no consent" costs 10 points.
    stored = {lead.email: lead.score_total for lead in Lead.objects.all()}
    assert stored == {"a@bigco.example": 8, "b@other.example": 0, "c@other.example": -10}
    rescored = {
        lead.email: score_lead(definition.parsed, services.lead_attributes(lead), [], now=NOW).total
        for lead in Lead.objects.all()
    }
    assert rescored == stored


def test_an_owner_created_for_one_chunk_owns_the_rows_of_later_chunks_too(world, tmp_path):
    # One row a chunk: each chunk is read and typed while the one before it is written, so
    # rows 2 and 3 may be typed before row 1 has created Dana.
    path = tmp_path / "leads.csv"
    path.write_text("email,owner\na@x.example,Dana Seller\nb@x.example,dana seller\nc@x.example,Dana Seller\n")

    result = import_run("leads", path, mapping=mapping_parse({"create_users": True}, kind="leads"), chunk_rows=1)

    assert result.summary == {
        "read": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "users created": 1,
    }
    dana = User.objects.get(first_name="Dana", last_name="Seller")
    assert dict(Lead.objects.values_list("email", "owner")) == {
        "a@x.example": dana.pk,
        "b@x.example": dana.pk,
        "c@x.example": dana.pk,
    }


def test_a_writer_that_fails_stops_the_reading_thread_and_keeps_the_chunks_before(world, tmp_path, monkeypatch):
    from accord.imports import leads

    written = leads.write_leads
    calls = []

    def fails_on_the_second_chunk(frame, run):
        calls.append(frame.height)
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return written(frame, run)

    monkeypatch.setattr(leads, "write_leads", fails_on_the_second_chunk)
    path = tmp_path / "leads.csv"
    path.write_text("email\n" + "".join(f"lead{n}@x.example\n" for n in range(5)))

    with pytest.raises(RuntimeError, match="the disk is full"):
        import_run("leads", path, chunk_rows=2)

    assert calls == [2, 2]
    assert sorted(Lead.objects.values_list("email", flat=True)) == ["lead0@x.example", "lead1@x.example"]
    assert [t.name for t in threading.enumerate() if t.name.startswith("import-read")] == []


def test_closing_the_read_ahead_early_stops_its_thread(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("email\n" + "".join(f"lead{n}@x.example\n" for n in range(6)))
    source, plan = import_plan("leads", path)

    chunks = _read_ahead(source, 2, "leads", plan, Lookups())
    chunk, converted = next(chunks)
    assert chunk.lines == [2, 3]
    assert converted.frame["email"].to_list() == ["lead0@x.example", "lead1@x.example"]
    assert [t.name for t in threading.enumerate() if t.name.startswith("import-read")] != []  # reading chunk 2

    chunks.close()

    assert [t.name for t in threading.enumerate() if t.name.startswith("import-read")] == []
