"""The worker's half of an activation: `rescore_run` rescores every open lead under the new
version. A small scene is built under v2 (TEST_DOCUMENT, MQL at 50) on Monday 2 March;
v3 (NEW_DOCUMENT) is activated and run ten days later. Every expected value is worked out
by hand from the two documents.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from accord.crm import rescoring, services
from accord.crm.models import Account, Lead, LeadEvent
from accord.definitions import services as definitions
from accord.definitions.models import LeadDefinition, Rescore
from accord.notifications.models import Notification
from accord.routing.models import SlaClock
from tests.conftest import MONDAY_10, QUALIFIABLE, TEST_DOCUMENT

# Thursday 2026-03-12 10:00 UTC, ten days after the scene was built.
NOW = MONDAY_10 + timedelta(days=10)

# v3: +5 fit for Germany, content downloads halve every 5 days instead of 10, the bar at 35,
# and a budget is now required.
NEW_DOCUMENT = {
    **TEST_DOCUMENT,
    "fit_rules": [
        *TEST_DOCUMENT["fit_rules"],
        {"label": "Germany", "when": {"field": "country", "op": "in", "value": ["DE"]}, "points": 5},
    ],
    "engagement_rules": [
        {"type": "page_view", "points": 1, "half_life_days": 7},
        {"type": "form_fill", "points": 10, "half_life_days": 30},
        {"type": "content_download", "points": 20, "half_life_days": 5},
        {"type": "demo_request", "points": 5, "half_life_days": 30},
    ],
    "requirements": {"contact": True, "need": True, "budget": True},
    "thresholds": {"mql": 35},
}


def capture(world, email: str, **overrides) -> Lead:
    lead, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": email, **overrides}, acting_user=world.marketer, at=MONDAY_10
    )
    return Lead.objects.get(pk=lead.pk)


def qualified(world, email: str, **overrides) -> Lead:
    """Fit 30 + one content download 20 = 50 under v2: an MQL on Monday."""
    lead = capture(world, email, **overrides)
    services.touchpoint_record(lead_id=lead.pk, type="content_download", acting_user=world.marketer, at=MONDAY_10)
    return Lead.objects.get(pk=lead.pk)


@dataclass
class Scene:
    nurture: Lead  # fit 30 < 50 under v2; has a budget: v3 qualifies it
    no_need: Lead  # fit 30, no need: qualified under neither
    owned: Lead  # MQL with world.rep, no budget
    unowned: Lead  # MQL waiting in Americas' queue (no rep available), no budget
    accepted: Lead  # SAL with world.rep
    deal: Lead  # SQL with world.rep
    disqualified: Lead  # closed: not rescored


@pytest.fixture
def scene(world) -> Scene:
    # bigco.example leads go to world.rep through account control, so no round-robin turn matters.
    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.rep)
    nurture = capture(world, "nurture@bigco.example", budget="50k")
    no_need = capture(world, "noneed@bigco.example", need="")
    owned = qualified(world, "owned@bigco.example")
    accepted = qualified(world, "accepted@bigco.example")
    services.lead_accept(lead_id=accepted.pk, acting_user=world.rep, at=MONDAY_10 + timedelta(hours=1))
    deal = qualified(world, "deal@bigco.example")
    services.opportunity_create(lead_id=deal.pk, acting_user=world.rep, amount="5000", at=MONDAY_10)
    disqualified = qualified(world, "gone@bigco.example")
    services.lead_reject(
        lead_id=disqualified.pk, acting_user=world.rep, reason="no_budget", action="disqualify", at=MONDAY_10
    )
    world.americas_rep.capacity = 0  # US leads go to the default team Americas: nobody there takes them
    world.americas_rep.save(update_fields=["capacity"])
    unowned = qualified(world, "waiting@nowhere.example", company="Nowhere", country="US")

    scene = Scene(
        nurture=nurture,
        no_need=no_need,
        owned=Lead.objects.get(pk=owned.pk),
        unowned=unowned,
        accepted=Lead.objects.get(pk=accepted.pk),
        deal=Lead.objects.get(pk=deal.pk),
        disqualified=Lead.objects.get(pk=disqualified.pk),
    )
    assert [
        (lead.stage, lead.owner, lead.score_total)
        for lead in (scene.nurture, scene.no_need, scene.owned, scene.unowned, scene.accepted, scene.deal)
    ] == [
        ("lead", None, 30),
        ("lead", None, 30),
        ("mql", world.rep, 50),
        ("mql", None, 50),
        ("sal", world.rep, 50),
        ("sql", world.rep, 50),
    ]
    assert (scene.unowned.team, scene.disqualified.stage) == (world.americas, "disqualified")
    return scene


def activate(world, document=NEW_DOCUMENT, at: datetime = NOW) -> tuple[LeadDefinition, Rescore]:
    """A new version through the whole contract: drafted, proposed, signed by both sides."""
    version = definitions.definition_create(document=document, acting_user=world.marketer, at=at)
    definitions.definition_propose(definition_id=version.pk, acting_user=world.marketer, at=at)
    definitions.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead, at=at)
    _, activated = definitions.definition_sign(definition_id=version.pk, acting_user=world.manager, at=at)
    assert activated
    return LeadDefinition.objects.get(pk=version.pk), Rescore.objects.get(definition=version)


def state() -> dict:
    """Everything a rescore could change."""
    return {
        "leads": list(
            Lead.objects.order_by("pk").values_list(
                "pk",
                "stage",
                "owner_id",
                "team_id",
                "definition__version",
                "qualification",
                "qualified_at",
                "score_fit",
                "score_engagement",
                "score_total",
                "scored_at",
            )
        ),
        "events": list(LeadEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "clocks": list(SlaClock.objects.order_by("pk").values_list("pk", "lead_id", "stopped_at")),
        "notifications": Notification.objects.count(),
    }


def test_activation_rescores_open_leads_under_the_new_version(world, scene, definition):
    v3, rescore = activate(world)
    owned_clock = SlaClock.objects.get(lead=scene.owned)
    owned_qualification = scene.owned.qualification

    finished = rescoring.rescore_run(rescore.pk, now=NOW)

    assert finished is True
    leads = {name: Lead.objects.get(pk=lead.pk) for name, lead in vars(scene).items()}
    # New scores, by hand. Fit: 50+ employees 20, VP 10, Germany 5 (not the US lead).
    # Engagement: Monday's download is 10 days old, two half-lives of 5 days: 20 × 0.25 = 5.
    assert {name: (lead.score_fit, lead.score_engagement, lead.score_total) for name, lead in leads.items()} == {
        "nurture": (35, 0, 35),
        "no_need": (35, 0, 35),
        "owned": (35, 5, 40),
        "unowned": (30, 5, 35),
        "accepted": (35, 5, 40),
        "deal": (35, 5, 40),
        "disqualified": (30, 20, 50),  # closed: left as v2 scored it on Monday
    }
    assert leads["disqualified"].scored_at == MONDAY_10

    # Nurture, 35 ≥ 35 with contact, need and budget: an MQL under v3, routed, clock started, rep told.
    nurture = leads["nurture"]
    assert (nurture.stage, nurture.owner, nurture.team, nurture.definition) == ("mql", world.rep, world.emea, v3)
    assert (nurture.qualified_at, nurture.qualification["qualified"]) == (NOW, True)
    assert list(
        nurture.events.filter(kind="stage").values_list(
            "from_stage", "to_stage", "reason", "note", "actor", "occurred_at"
        )
    ) == [
        (
            "lead",
            "mql",
            "score",
            "Qualified under v3: Score 35 ≥ MQL threshold 35; Contact known; Need known; Budget known",
            None,
            NOW,
        )
    ]
    assert nurture.events.get(kind="assigned").data == {
        "rule": "account_owner",
        "team": "EMEA",
        "owner": world.rep.email,
    }
    clock = SlaClock.objects.get(lead=nurture)
    # Four of the rep's business hours (London, 9–17, UTC+0 in March) from Thursday 10:00.
    assert (clock.rep, clock.definition, clock.started_at, clock.due_at, clock.stopped_at) == (
        world.rep,
        v3,
        NOW,
        datetime(2026, 3, 12, 14, 0, tzinfo=UTC),
        None,
    )
    assert list(Notification.objects.filter(lead=nurture).values_list("recipient", "kind", "message")) == [
        (world.rep.pk, "handoff", "New qualified lead: Vera Penn — follow up by Thu 2026-03-12 14:00 GMT")
    ]

    # The MQL nobody picked up has no budget: back to nurture, out of the team's queue.
    unowned = leads["unowned"]
    assert (unowned.stage, unowned.owner, unowned.team, unowned.definition, unowned.qualification) == (
        "lead",
        None,
        None,
        v3,
        {},
    )
    assert list(
        unowned.events.filter(kind="stage", occurred_at=NOW).values_list(
            "from_stage", "to_stage", "reason", "note", "actor", "definition"
        )
    ) == [("mql", "lead", "definition", "No longer qualified under v3", None, v3.pk)]
    assert not SlaClock.objects.filter(lead=unowned).exists()

    # The rep's MQL stays theirs, clock still running, still qualified by v2's reasons.
    owned = leads["owned"]
    assert (owned.stage, owned.owner, owned.definition, owned.qualification) == (
        "mql",
        world.rep,
        definition,
        owned_qualification,
    )
    assert list(SlaClock.objects.filter(lead=owned).values_list("pk", "stopped_at")) == [(owned_clock.pk, None)]

    # With sales: stage and qualification kept.
    for name, stage in (("accepted", "sal"), ("deal", "sql")):
        lead = leads[name]
        assert (lead.stage, lead.owner, lead.definition, lead.qualification) == (
            stage,
            world.rep,
            definition,
            getattr(scene, name).qualification,
        )

    # Not qualified under v3 (need and budget missing): scored by v3, no reasons kept.
    no_need = leads["no_need"]
    assert (no_need.stage, no_need.definition, no_need.qualification) == ("lead", v3, {})

    rescore.refresh_from_db()
    counts = {"rescored": 6, "qualified": 1, "returned to nurture": 1}
    assert (rescore.status, rescore.total, rescore.done, rescore.counts, rescore.percent) == ("done", 6, 6, counts, 100)
    assert rescore.started_at is not None
    assert rescore.finished_at is not None
    assert list(v3.events.filter(kind="rescored").values_list("actor", "data")) == [(None, counts)]


def test_only_what_moved_gets_events(world, scene):
    events_before = {lead.pk: lead.events.count() for lead in vars(scene).values()}
    _, rescore = activate(world)

    rescoring.rescore_run(rescore.pk, now=NOW)

    added = {name: lead.events.count() - events_before[lead.pk] for name, lead in vars(scene).items()}
    # nurture: stage → mql and assigned; unowned: stage → lead; the rest: nothing to record.
    assert added == {
        "nurture": 2,
        "no_need": 0,
        "owned": 0,
        "unowned": 1,
        "accepted": 0,
        "deal": 0,
        "disqualified": 0,
    }


def test_running_it_again_changes_nothing(world, scene):
    v3, rescore = activate(world)
    rescoring.rescore_run(rescore.pk, now=NOW)
    after_first = state()

    assert rescoring.rescore_run(rescore.pk, now=NOW) is True  # done: returns at once
    assert state() == after_first

    # A worker that died after the last batch committed runs it again: nothing is qualified twice.
    Rescore.objects.filter(pk=rescore.pk).update(status=Rescore.Status.RUNNING)
    assert rescoring.rescore_run(rescore.pk, now=NOW) is True

    assert state() == after_first
    rescore.refresh_from_db()
    assert (rescore.status, rescore.counts) == ("done", {"rescored": 6, "qualified": 0, "returned to nurture": 0})
    assert v3.events.filter(kind="rescored").count() == 2


def test_a_failed_batch_keeps_the_batches_before_it_and_a_rerun_finishes(world, scene, monkeypatch):
    _, rescore = activate(world)
    monkeypatch.setattr(rescoring, "LIVE_BATCH", 2)
    real_batch = rescoring._rescore_batch
    calls = []

    def fail_on_the_second_batch(batch, **kwargs):
        calls.append(batch)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        real_batch(batch, **kwargs)

    monkeypatch.setattr(rescoring, "_rescore_batch", fail_on_the_second_batch)

    with pytest.raises(RuntimeError):
        rescoring.rescore_run(rescore.pk, now=NOW)

    rescore.refresh_from_db()
    assert (rescore.status, rescore.error, rescore.total, rescore.done) == ("failed", "RuntimeError: worker lost", 6, 2)
    # Open leads in id order: nurture, no_need | owned, accepted | deal, unowned. Only the first batch ran.
    assert calls[0] == [scene.nurture.pk, scene.no_need.pk]
    assert Lead.objects.get(pk=scene.nurture.pk).stage == "mql"
    assert Lead.objects.get(pk=scene.unowned.pk).stage == "mql"

    monkeypatch.setattr(rescoring, "_rescore_batch", real_batch)
    assert rescoring.rescore_run(rescore.pk, now=NOW) is True

    rescore.refresh_from_db()
    assert (rescore.status, rescore.error, rescore.done) == ("done", "", 6)
    assert rescore.counts == {"rescored": 6, "qualified": 0, "returned to nurture": 1}
    assert Lead.objects.get(pk=scene.unowned.pk).stage == "lead"
    assert LeadEvent.objects.filter(lead=scene.nurture, kind="stage", to_stage="mql").count() == 1
    assert SlaClock.objects.filter(lead=scene.nurture).count() == 1


def test_a_rescore_stops_when_a_later_version_was_activated(world, scene, definition):
    v3, rescore = activate(world)
    v4, newer = activate(world, {**TEST_DOCUMENT, "thresholds": {"mql": 45}}, at=NOW + timedelta(hours=1))
    before = state()

    finished = rescoring.rescore_run(rescore.pk, now=NOW)

    assert finished is False
    assert state() == before
    rescore.refresh_from_db()
    assert (rescore.status, rescore.total, rescore.done, rescore.counts) == (
        "done",
        6,
        0,
        {"rescored": 0, "qualified": 0, "returned to nurture": 0, "stopped: superseded": 1},
    )
    assert list(
        LeadDefinition.objects.filter(pk__in=[definition.pk, v3.pk, v4.pk]).values_list("version", "status")
    ) == [
        (4, "active"),
        (3, "retired"),
        (2, "retired"),
    ]

    assert rescoring.rescore_run(newer.pk, now=NOW + timedelta(hours=1)) is True
    # v4: fit 30, bar 45, no budget needed. Nurture (30) stays a lead; the unowned MQL, 30 +
    # 20 × 0.5 ** (10 days + 1 h over 10 days) = 30 + 9.97 = 39.97, no longer qualifies.
    assert Lead.objects.get(pk=scene.nurture.pk).stage == "lead"
    unowned = Lead.objects.get(pk=scene.unowned.pk)
    assert (unowned.stage, unowned.score_total) == ("lead", 39.97)
    newer.refresh_from_db()
    assert newer.counts == {"rescored": 6, "qualified": 0, "returned to nurture": 1}


def test_lead_explain_answers_for_any_version_and_changes_nothing(world, scene, definition):
    draft = definitions.definition_create(document=NEW_DOCUMENT, acting_user=world.marketer, at=NOW)
    before = state()

    under_draft = services.lead_explain(scene.nurture, draft, at=NOW)
    under_active = services.lead_explain(scene.nurture, definition, at=NOW)

    assert (under_draft.qualified, under_draft.fit, under_draft.engagement, under_draft.total) == (True, 35, 0, 35)
    assert under_draft.reasons == ["Score 35 ≥ MQL threshold 35", "Contact known", "Need known", "Budget known"]
    assert (under_active.qualified, under_active.total) == (False, 30)
    assert under_active.reasons == ["Score 30 < MQL threshold 50", "Contact known", "Need known"]
    assert services.lead_explain(scene.owned, draft, at=NOW).reasons == [
        "Score 40 ≥ MQL threshold 35",
        "Contact known",
        "Need known",
        "Budget missing",
    ]
    assert state() == before
