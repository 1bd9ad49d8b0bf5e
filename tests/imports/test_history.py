"""Imports write history at the times the file gives: creation, qualification, routing,
deals and their outcomes — and never start an SLA clock or notify anyone for the past."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from accord.crm.models import Lead, LeadEvent, Opportunity, SalesStage
from accord.definitions.models import LeadDefinition
from accord.imports.mapping import mapping_parse
from accord.imports.services import import_run
from accord.notifications.models import Notification
from accord.reports.funnel import funnel_report
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, TEST_DOCUMENT

NOW = MONDAY_10


def run(kind: str, tmp_path, text: str, *, mapping: dict | None = None, name: str | None = None):
    path = tmp_path / (name or f"{kind}.csv")
    path.write_text(text, encoding="utf-8")
    parsed = mapping_parse(mapping, kind=kind) if mapping else None
    return import_run(kind, path, mapping=parsed, now=NOW)


def history(email: str) -> list[tuple]:
    lead = Lead.objects.get(email=email)
    return [
        (event.kind, event.from_stage, event.to_stage, event.occurred_at, event.reason)
        for event in lead.events.order_by("occurred_at", "id")
    ]


def nothing_fired() -> bool:
    """No clock, no notification, no scheduled check or email."""
    return not (SlaClock.objects.exists() or Notification.objects.exists() or DBTaskResult.objects.exists())


@pytest.fixture
def germany(world):
    """The test definition plus a Germany rule: a VP of a 50+ company in Germany qualifies
    on fit alone (20 + 10 + 25 = 55 ≥ 50)."""
    LeadDefinition.objects.filter(status="active").update(status="retired")
    germany = {"label": "Germany", "when": {"field": "country", "op": "eq", "value": "DE"}, "points": 25}
    document = {**TEST_DOCUMENT, "fit_rules": [*TEST_DOCUMENT["fit_rules"], germany]}
    LeadDefinition.objects.create(version=3, name="Germany", status="active", document=document)
    return world


LEADS = """email,first_name,last_name,company,title,company_size,country,need,created_at,stage,source
vera@bigco.example,Vera,Penn,Bigco,VP Sales,120,DE,Shared funnel,2025-01-10T09:00:00Z,,webinar
sam@smallco.example,Sam,Small,Smallco,Engineer,10,FR,,2025-01-11 08:30,,
kim@custco.example,Kim,Kunde,Custco,CEO,30,GB,,2024-11-05,customer,event
"""


def test_leads_are_created_at_their_own_time(germany, tmp_path):
    result = run("leads", tmp_path, LEADS)

    assert result.summary["created"] == 3
    assert history("sam@smallco.example") == [("created", "", "lead", datetime(2025, 1, 11, 8, 30, tzinfo=UTC), "")]
    sam = Lead.objects.get(email="sam@smallco.example")
    assert (sam.stage, sam.created_at, sam.stage_changed_at) == (
        "lead",
        datetime(2025, 1, 11, 8, 30, tzinfo=UTC),
        datetime(2025, 1, 11, 8, 30, tzinfo=UTC),
    )
    assert (sam.score_fit, sam.score_total, sam.owner, sam.qualified_at) == (0, 0, None, None)


def test_times_without_an_offset_are_in_the_mappings_timezone(germany, tmp_path):
    run("leads", tmp_path, LEADS, mapping={"timezone": "Europe/Berlin"})

    # 08:30 in Berlin in January (UTC+1) is 07:30 UTC; a date alone is midnight in Berlin.
    assert Lead.objects.get(email="sam@smallco.example").created_at == datetime(2025, 1, 11, 7, 30, tzinfo=UTC)
    assert Lead.objects.get(email="kim@custco.example").created_at == datetime(2024, 11, 4, 23, 0, tzinfo=UTC)


def test_a_lead_the_definition_qualifies_is_an_mql_at_its_creation_and_routed_silently(germany, tmp_path):
    run("leads", tmp_path, LEADS)

    created = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    vera = Lead.objects.get(email="vera@bigco.example")
    assert (vera.stage, vera.qualified_at, vera.stage_changed_at) == ("mql", created, created)
    assert (vera.score_fit, vera.score_engagement, vera.score_total) == (55, 0, 55)
    assert (vera.owner, vera.team, vera.definition.version) == (germany.rep, germany.emea, 3)
    assert vera.qualification["reasons"] == ["Score 55 ≥ MQL threshold 50", "Contact known", "Need known"]
    assert history("vera@bigco.example") == [
        ("created", "", "lead", created, ""),
        ("stage", "lead", "mql", created, "score"),
        ("assigned", "", "", created, ""),
    ]
    assigned = vera.events.get(kind="assigned")
    assert assigned.data == {"rule": "territory", "team": "EMEA", "owner": "rep@accord.test"}
    assert nothing_fired()


def test_a_stage_the_file_gives_is_kept_as_history_at_creation(germany, tmp_path):
    run("leads", tmp_path, LEADS)

    created = datetime(2024, 11, 5, tzinfo=UTC)
    kim = Lead.objects.get(email="kim@custco.example")
    assert (kim.stage, kim.qualified_at, kim.owner) == ("customer", created, None)
    assert history("kim@custco.example") == [
        ("created", "", "lead", created, ""),
        ("stage", "lead", "customer", created, "import"),
    ]
    # The funnel of November 2024 counts Kim as having reached every stage up to customer.
    (total,) = funnel_report(date_from=date(2024, 11, 1), date_to=date(2024, 11, 30))
    assert (total.leads, total.reached) == (1, {"mql": 1, "sal": 1, "sql": 1, "customer": 1})
    assert nothing_fired()


# --- touchpoints ----------------------------------------------------------------------------

TOUCH_LEADS = """email,first_name,last_name,company,title,company_size,country,need,created_at
val@valco.example,Val,Vance,Valco,VP Marketing,80,FR,Attribution,2026-01-05T09:00:00Z
ned@nedco.example,Ned,,Nedco,,,,,2026-01-06T09:00:00Z
"""
# Under the test definition (now 2026-03-02 10:00): downloads (20 points, half-life 10 days)
# 10 and 20 days old are worth 10 and 5, a form fill (10, 30 days) 30 days old 5, a page view
# (1, 7 days) 7 days old 0.5 and 14 days old 0.25; an email open has no rule.
TOUCHES = """email,type,occurred_at
val@valco.example,content_download,2026-02-20T10:00:00Z
val@valco.example,content_download,2026-02-10T10:00:00Z
val@valco.example,form_fill,2026-01-31T10:00:00Z
val@valco.example,page_view,2026-02-23T10:00:00Z
ned@nedco.example,page_view,2026-02-16T10:00:00Z
new@newco.example,email_open,2026-02-24T10:00:00Z
new@newco.example,page_view,2026-02-23T10:00:00Z
"""


def test_touched_leads_are_rescored_after_the_file_and_qualify_at_their_latest_touchpoint(world, tmp_path):
    run("leads", tmp_path, TOUCH_LEADS)
    assert Lead.objects.get(email="val@valco.example").score_total == 30  # VP + 50+ employees

    result = run("touchpoints", tmp_path, TOUCHES)

    assert result.summary == {
        "read": 7,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "leads created": 1,
        "leads qualified": 1,
        "leads rescored": 3,
    }
    scores = {
        lead.email: (lead.stage, lead.score_fit, lead.score_engagement, lead.score_total, lead.scored_at)
        for lead in Lead.objects.all()
    }
    assert scores == {
        "val@valco.example": ("mql", 30, 20.5, 50.5, NOW),
        "ned@nedco.example": ("lead", 0, 0.25, 0.25, NOW),
        "new@newco.example": ("subscriber", 0, 0.5, 0.5, NOW),
    }
    latest = datetime(2026, 2, 23, 10, 0, tzinfo=UTC)
    val = Lead.objects.get(email="val@valco.example")
    assert (val.qualified_at, val.owner, val.team) == (latest, world.rep, world.emea)
    assert val.qualification["reasons"] == ["Score 50.5 ≥ MQL threshold 50", "Contact known", "Need known"]
    assert history("val@valco.example") == [
        ("created", "", "lead", datetime(2026, 1, 5, 9, 0, tzinfo=UTC), ""),
        ("stage", "lead", "mql", latest, "score"),
        ("assigned", "", "", latest, ""),
    ]
    assert nothing_fired()


def test_an_unknown_email_becomes_a_subscriber_at_its_first_touchpoint(world, tmp_path):
    run("touchpoints", tmp_path, TOUCHES)

    first = datetime(2026, 2, 23, 10, 0, tzinfo=UTC)
    new = Lead.objects.get(email="new@newco.example")
    assert (new.stage, new.created_at, new.touchpoints.count()) == ("subscriber", first, 2)
    assert history("new@newco.example") == [("created", "", "subscriber", first, "")]


def test_importing_the_same_touchpoints_again_adds_nothing(world, tmp_path):
    run("leads", tmp_path, TOUCH_LEADS)
    run("touchpoints", tmp_path, TOUCHES)
    events = LeadEvent.objects.count()

    result = run("touchpoints", tmp_path, TOUCHES)

    assert result.summary == {"read": 7, "created": 0, "updated": 0, "unchanged": 7, "rejected": 0}
    assert LeadEvent.objects.count() == events
    assert nothing_fired()


def test_a_lead_never_qualifies_before_it_was_created(world, tmp_path):
    created = datetime(2026, 2, 10, tzinfo=UTC)
    leads = "email,first_name,company,title,company_size,country,need,created_at\n"
    leads += "early@early.example,Eve,Early,VP Sales,80,FR,CRM,2026-02-10\n"
    run("leads", tmp_path, leads)

    # A demo request (fast track) the source system dated before the lead was created.
    run("touchpoints", tmp_path, "email,type,occurred_at\nearly@early.example,demo_request,2026-02-01T10:00:00Z\n")

    assert Lead.objects.get(email="early@early.example").qualified_at == created
    assert history("early@early.example") == [
        ("created", "", "lead", created, ""),
        ("stage", "lead", "mql", created, "fast_track"),
        ("assigned", "", "", created, ""),
    ]


def test_a_recycled_lead_requalifies_only_on_engagement_after_it_was_recycled(world, tmp_path):
    leads = "email,first_name,company,title,company_size,country,need,created_at,stage\n"
    leads += "rex@rexco.example,Rex,Rexco,VP Sales,80,FR,Reporting,2026-02-01T00:00:00Z,recycled\n"
    run("leads", tmp_path, leads)
    # The demo request came before the recycling: no fast track, and no points. Downloads
    # 10 days old and fresh are worth 10 and 20: 30 (fit) + 30 = 60 ≥ 50.
    touches = """email,type,occurred_at
rex@rexco.example,demo_request,2026-01-25T10:00:00Z
rex@rexco.example,content_download,2026-02-20T10:00:00Z
rex@rexco.example,content_download,2026-03-02T10:00:00Z
"""
    run("touchpoints", tmp_path, touches)

    rex = Lead.objects.get(email="rex@rexco.example")
    assert (rex.stage, rex.score_engagement, rex.score_total, rex.qualified_at) == ("mql", 30, 60, NOW)
    assert rex.qualification["fast_track"] is None
    assert history("rex@rexco.example")[-2:] == [
        ("stage", "recycled", "mql", NOW, "score"),
        ("assigned", "", "", NOW, ""),
    ]
    assert (rex.owner, rex.team) == (world.rep, world.emea)
    assert nothing_fired()


# --- opportunities ----------------------------------------------------------------------------

DEAL_LEADS = """email,first_name,company,country,created_at,stage
ann@a.example,Ann,A Ltd,GB,2025-01-01,mql
bob@b.example,Bob,B Ltd,GB,2025-01-01,mql
cat@c.example,Cat,C Ltd,GB,2025-01-01,mql
dan@d.example,Dan,D Ltd,GB,2025-01-01,mql
"""
DEALS = """external_id,name,lead,owner,amount,stage,created_at,closed_at,lost_reason
D1,Ann's deal,ann@a.example,rep@accord.test,"1,000.50",Demo,2025-03-01,2025-06-30,
D2,Bob's deal,BOB@b.example,,2500,won,2025-02-01,2025-04-15 16:30,
D3,Cat's deal,cat@c.example,,900,lost,2025-02-10,2025-05-01,no_budget
D4,Dan's second deal,dan@d.example,,100,open,2025-03-05,,
D5,Dan's first deal,dan@d.example,,200,lost,2025-02-05,2025-05-02,no_need
D6,No close date,ann@a.example,,10,won,2025-03-01,,
D7,Odd stage,ann@a.example,,10,Maybe,2025-03-01,,
D8,Ghost,ghost@x.example,,10,open,,,
"""


def _day(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def deals(world, tmp_path):
    run("leads", tmp_path, DEAL_LEADS)
    return run("opportunities", tmp_path, DEALS)


def test_deals_move_their_leads_at_the_deals_own_dates(deals):
    assert history("ann@a.example")[-1] == ("stage", "mql", "sql", _day(3, 1), "import")
    assert history("bob@b.example")[-2:] == [
        ("stage", "mql", "sql", _day(2, 1), "import"),
        ("stage", "sql", "customer", _day(4, 15, 16, 30), "import"),
    ]
    assert history("cat@c.example")[-2:] == [
        ("stage", "mql", "sql", _day(2, 10), "import"),
        ("stage", "sql", "recycled", _day(5, 1), "no_budget"),
    ]
    # Dan's lost deal leaves him with sales: his other deal is still open.
    assert history("dan@d.example")[-1] == ("stage", "mql", "sql", _day(3, 5), "import")
    stages = {lead.email: lead.stage for lead in Lead.objects.all()}
    assert stages == {
        "ann@a.example": "sql",
        "bob@b.example": "customer",
        "cat@c.example": "recycled",
        "dan@d.example": "sql",
    }
    assert nothing_fired()


def test_a_lost_deal_returns_its_lead_to_marketing(deals):
    cat = Lead.objects.get(email="cat@c.example")
    assert (cat.stage, cat.nurture_since, cat.owner, cat.stage_changed_at) == ("recycled", _day(5, 1), None, _day(5, 1))


def test_deal_rows_are_typed_and_checked(deals):
    assert deals.summary == {"read": 8, "created": 5, "updated": 0, "unchanged": 0, "rejected": 3}
    assert [(e.line, e.column, e.value, e.reason) for e in deals.errors] == [
        (7, "closed_at", "", "A won deal needs its close date."),
        (8, "stage", "Maybe", "Not open, won, lost or a sales stage (Discovery, Demo, Proposal, Negotiation)."),
        (9, "lead", "ghost@x.example", "No lead with this email or external id."),
    ]
    demo = SalesStage.objects.get(name="Demo")
    rows = {
        o.external_id: (
            o.status,
            o.sales_stage,
            o.amount,
            o.created_at,
            o.closed_at,
            o.expected_close_on,
            o.lost_reason,
        )
        for o in Opportunity.objects.all()
    }
    assert rows == {
        # An open deal's close date is when it is expected to close.
        "D1": ("open", demo, Decimal("1000.50"), _day(3, 1), None, date(2025, 6, 30), ""),
        "D2": ("won", None, Decimal("2500.00"), _day(2, 1), _day(4, 15, 16, 30), None, ""),
        "D3": ("lost", None, Decimal("900.00"), _day(2, 10), _day(5, 1), None, "no_budget"),
        "D4": ("open", SalesStage.objects.get(name="Discovery"), Decimal("100.00"), _day(3, 5), None, None, ""),
        "D5": ("lost", None, Decimal("200.00"), _day(2, 5), _day(5, 2), None, "no_need"),
    }


def test_importing_the_same_deals_again_changes_nothing(deals, tmp_path):
    events = LeadEvent.objects.count()

    again = run("opportunities", tmp_path, DEALS)

    assert again.summary == {"read": 8, "created": 0, "updated": 0, "unchanged": 5, "rejected": 3}
    assert LeadEvent.objects.count() == events


def test_a_later_file_closes_open_deals(deals, tmp_path):
    # The deals are known by their ids: the file need not name their leads again.
    later = """external_id,name,stage,closed_at,lost_reason
D1,Ann's deal,won,2025-07-01,
D4,Dan's second deal,lost,2025-06-01,no_need
"""
    result = run("opportunities", tmp_path, later, name="later.csv")

    assert result.summary["updated"] == 2
    assert history("ann@a.example")[-1] == ("stage", "sql", "customer", _day(7, 1), "import")
    # Dan's other deal was lost before: with no deal open any more, he goes back to nurture.
    assert history("dan@d.example")[-1] == ("stage", "sql", "recycled", _day(6, 1), "no_need")
    assert nothing_fired()
