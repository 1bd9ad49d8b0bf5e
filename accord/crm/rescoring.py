"""Scoring and qualifying many stored leads at once: after an import of touchpoints or of
changed lead details. The rules are `lead_rescore`'s, evaluated in bulk:
- every lead gets its new score;
- a lead in nurture that now meets the definition becomes an MQL under it and is routed;
- a lead already with sales keeps the version and the reasons that qualified it.
Imports record history, so they start no SLA clocks and send no notifications: the
qualified event is dated with the evidence (`evidence_at`), and routed leads wait in
their rep's inbox."""

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from django.db import transaction
from django.utils import timezone

from accord.core import bulk
from accord.core.tasks import enqueue_on_commit
from accord.core.text import email_domain
from accord.crm.events import stage_change
from accord.crm.models import NURTURE_STAGES, Lead, LeadEvent, Stage, Touchpoint
from accord.crm.services import TEXT_FIELDS, lead_rescore
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore
from accord.definitions.scoring import Explanation, TouchpointFact, score_lead
from accord.definitions.vectorised import score_frame
from accord.routing.bulk import BulkDecision, route_many

# The lead fields rules may test, besides email and campaign: the capture path's text fields
# and the typed ones — one list, so bulk and per-lead scoring read the same attributes.
ATTRIBUTE_FIELDS = (*TEXT_FIELDS, "country", "company_size", "consent_email")
BATCH = 20_000
LIVE_BATCH = 5_000  # an activation commits per batch: short locks, visible progress
CLOSED_STAGES = (Stage.CUSTOMER, Stage.DISQUALIFIED)


# What a rescoring reads of each lead: {frame column: (values_list path, type)}.
LEAD_COLUMNS = {
    "key": ("id", pl.Int64),
    "email": ("email", pl.String),
    "stage": ("stage", pl.String),
    "stage_changed_at": ("stage_changed_at", bulk.UTC_DATETIME),
    "nurture_since": ("nurture_since", bulk.UTC_DATETIME),
    "owner_id": ("owner_id", pl.Int64),
    "score_fit": ("score_fit", pl.Float64),
    "score_engagement": ("score_engagement", pl.Float64),
    "score_total": ("score_total", pl.Float64),
    "scored_at": ("scored_at", bulk.UTC_DATETIME),
    **{name: (name, pl.String) for name in ATTRIBUTE_FIELDS},
    "company_size": ("company_size", pl.Int64),
    "consent_email": ("consent_email", pl.Boolean),
    "campaign": ("campaign__code", pl.String),
    "account_owner_id": ("account__owner_id", pl.Int64),
}


def attributes_of(leads: pl.DataFrame) -> pl.DataFrame:
    """The rule attributes of LEAD_COLUMNS rows, as `score_frame` reads them: the email's
    domain, and `nurture_since` only while a lead is recycled (only engagement after it
    counts then)."""
    return leads.select(
        "key",
        *ATTRIBUTE_FIELDS,
        "email",
        "campaign",
        pl.when(pl.col("stage") == Stage.RECYCLED).then(pl.col("nurture_since")).alias("nurture_since"),
        pl.col("email").str.split("@").list.last().fill_null("").alias("email_domain"),
    )


def _rule_attributes(attributes: Mapping) -> dict:
    """A lead's row as the reference scorer reads it: email_domain derived, text nulls as ''."""
    attributes = dict(attributes)
    attributes["email"] = attributes.get("email") or ""
    attributes["email_domain"] = email_domain(attributes["email"]) if attributes["email"] else ""
    for name in ("country", "campaign", *ATTRIBUTE_FIELDS):
        if attributes.get(name) is None and name not in ("company_size", "consent_email"):
            attributes[name] = ""
    return attributes


def explain(definition: LeadDefinition, attributes: Mapping, touchpoints: Iterable[TouchpointFact], now: datetime):
    """The stored explanation of one qualified lead (the reference scorer's words)."""
    return score_lead(definition.parsed, _rule_attributes(attributes), touchpoints, now=now)


def explain_untouched(
    definition: LeadDefinition, rows: Iterable[Mapping], signatures: Iterable[str], now: datetime
) -> Iterator[Explanation]:
    """`explain` of each of many leads without touchpoints, given their `score_frame`
    signatures: computed once per distinct signature (a million imported leads share a few
    dozen); equal signatures share one Explanation, which callers must not change."""
    memo: dict[str, Explanation] = {}
    for row, signature in zip(rows, signatures, strict=True):
        if signature not in memo:
            memo[signature] = explain(definition, row, (), now)
        yield memo[signature]


def leads_rescore_bulk(lead_ids: Iterable[int], *, definition: LeadDefinition, now: datetime) -> dict[str, int]:
    """Rescore stored leads after an import, in batches, in the caller's transaction: the
    newly qualified become MQLs dated by their evidence and are routed, as history (no
    SLA clock, no notification). Returns counts of what happened."""
    ids = sorted(set(lead_ids))
    counts = dict.fromkeys(("rescored", "changed", "qualified"), 0)
    for start in range(0, len(ids), BATCH):
        counts["changed"] += _rescore_batch(
            ids[start : start + BATCH], definition=definition, now=now, live=False, counts=counts
        )
    return counts


def _rescore_batch(batch: list[int], *, definition: LeadDefinition, now: datetime, live: bool, counts: dict) -> int:
    """Score `batch` under `definition` and store the scores that changed (a lead scored
    again to the same numbers is not written). Nurture leads take the version (their
    explanation is computed when asked for, under whichever version is asked); those that
    now meet it qualify. `live`: they qualify now, through `lead_rescore` (routed, SLA
    clock, notifications), and an unassigned MQL that no longer meets it returns to
    nurture. Otherwise (imports): they qualify at their evidence time, routed in bulk.
    Returns how many leads' scores changed."""
    # Locked like lead_rescore locks its lead: a capture or a touchpoint arriving meanwhile
    # waits, so no lead is qualified and routed twice. Read through the cursor: the ORM's
    # per-row conversions cost more than the scoring of a batch.
    found = bulk.frame_of(
        Lead.objects.select_for_update(of=("self",))
        .filter(pk__in=bulk.values_in(batch))
        .values_list(*(column for column, _ in LEAD_COLUMNS.values())),
        list(LEAD_COLUMNS),
        {name: dtype for name, (_, dtype) in LEAD_COLUMNS.items()},
    )
    touches = bulk.frame_of(
        Touchpoint.objects.filter(lead_id__in=bulk.values_in(batch)).values_list("lead_id", "type", "occurred_at"),
        ["key", "type", "occurred_at"],
        {"key": pl.Int64, "type": pl.String, "occurred_at": bulk.UTC_DATETIME},
    )
    scores = score_frame(definition.parsed, attributes_of(found), touches, now=now)
    changed = scores.join(found, on="key").filter(
        pl.col("scored_at").is_null()
        | (pl.col("fit") != pl.col("score_fit"))
        | (pl.col("engagement") != pl.col("score_engagement"))
        | (pl.col("total") != pl.col("score_total"))
    )
    bulk.update_frame(
        Lead,
        changed.select(
            pl.col("key").alias("id"),
            pl.col("fit").alias("score_fit"),
            pl.col("engagement").alias("score_engagement"),
            pl.col("total").alias("score_total"),
            pl.lit(now).cast(bulk.UTC_DATETIME).alias("scored_at"),
        ),
    )
    counts["rescored"] += scores.height
    outcome = found.join(scores.select("key", "qualified"), on="key")
    nurture = outcome.filter(pl.col("stage").is_in(list(NURTURE_STAGES)))
    newly = nurture.filter(pl.col("qualified"))["key"].to_list()
    # Nurture leads that stay there take the version (only those that have not already).
    staying = nurture.filter(~pl.col("qualified"))["key"].to_list()
    if staying:
        Lead.objects.filter(pk__in=bulk.values_in(staying)).exclude(definition=definition, qualification={}).update(
            definition=definition, qualification={}
        )
    if live:
        # Only with ids: on PostgreSQL `values_in` of none is a text[], which no bigint id equals.
        if newly:
            _qualify_live(newly, definition=definition, now=now)
        lapsed = outcome.filter((pl.col("stage") == Stage.MQL) & pl.col("owner_id").is_null() & ~pl.col("qualified"))[
            "key"
        ].to_list()
        if lapsed:
            _lapse(lapsed, definition=definition, now=now)
        counts["returned to nurture"] = counts.get("returned to nurture", 0) + len(lapsed)
    elif newly:
        chosen = found.filter(pl.col("key").is_in(newly))
        leads = {lead["key"]: lead for lead in chosen.iter_rows(named=True)}
        attributes = {row["key"]: row for row in attributes_of(chosen).iter_rows(named=True)}
        facts: dict[int, list[TouchpointFact]] = {}
        for key, kind, moment in touches.filter(pl.col("key").is_in(newly)).iter_rows():
            since = attributes[key]["nurture_since"]
            if since is None or moment > since:
                facts.setdefault(key, []).append(TouchpointFact(kind, moment))
        hand_offs = [
            HandOff(
                lead_id=key,
                from_stage=leads[key]["stage"],
                at=_evidence_at(facts.get(key, []), leads[key]["stage_changed_at"], now),
                explanation=explain(definition, attributes[key], facts.get(key, []), now),
                routing={name: leads[key][name] for name in ROUTING_FIELDS},
            )
            for key in newly
        ]
        qualify_and_route(hand_offs, definition=definition)
    counts["qualified"] += len(newly)
    return changed.height


def _qualify_live(lead_ids: list[int], *, definition: LeadDefinition, now: datetime) -> None:
    # The one-lead path: routed, SLA clock started, rep notified — "qualified under vN".
    for lead in Lead.objects.filter(pk__in=bulk.values_in(lead_ids)).select_related("campaign").order_by("pk"):
        lead_rescore(lead, at=now, actor=None, definition=definition)


def _lapse(lead_ids: list[int], *, definition: LeadDefinition, now: datetime) -> None:
    """MQLs nobody has picked up (no rep, so no SLA clock runs) that the new version no
    longer qualifies go back to nurture, out of the team's queue."""
    for lead in Lead.objects.filter(pk__in=bulk.values_in(lead_ids)).order_by("pk"):
        lead.definition, lead.qualification, lead.team = definition, {}, None
        stage_change(
            lead,
            Stage.LEAD,
            actor=None,
            at=now,
            definition=definition,
            reason="definition",
            note=f"No longer qualified under v{definition.version}",
            save_fields=["definition", "qualification", "team"],
        )


def rescore_run(rescore_id: int, *, now: datetime | None = None) -> bool:
    """The worker's half of an activation: rescore every open lead under the activated
    version, one committed batch at a time so its progress shows. Safe to run again after
    a crash (qualified leads are not qualified twice). Stops when another version has been
    activated meanwhile. Returns whether it ran to the end."""
    rescore = Rescore.objects.select_related("definition").get(pk=rescore_id)
    if rescore.status == Rescore.Status.DONE:
        return True
    definition = rescore.definition
    ids = list(Lead.objects.exclude(stage__in=CLOSED_STAGES).order_by("pk").values_list("pk", flat=True))
    counts = {"rescored": 0, "qualified": 0, "returned to nurture": 0}
    Rescore.objects.filter(pk=rescore_id).update(
        status=Rescore.Status.RUNNING, total=len(ids), done=0, started_at=timezone.now(), error=""
    )
    try:
        for start in range(0, len(ids), LIVE_BATCH):
            with transaction.atomic():
                current = LeadDefinition.objects.select_for_update().get(pk=definition.pk)
                if current.status != LeadDefinition.Status.ACTIVE:
                    counts["stopped: superseded"] = 1
                    break
                _rescore_batch(
                    ids[start : start + LIVE_BATCH],
                    definition=current,
                    now=now or timezone.now(),
                    live=True,
                    counts=counts,
                )
                Rescore.objects.filter(pk=rescore_id).update(done=min(len(ids), start + LIVE_BATCH), counts=counts)
    except Exception as error:
        Rescore.objects.filter(pk=rescore_id).update(
            status=Rescore.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    finished = timezone.now()
    Rescore.objects.filter(pk=rescore_id).update(status=Rescore.Status.DONE, counts=counts, finished_at=finished)
    DefinitionEvent.objects.create(
        definition=definition, kind=DefinitionEvent.Kind.RESCORED, occurred_at=finished, data=counts
    )
    from accord.reports.tasks import summaries_refresh_task  # reports read crm: imported late, no cycle

    enqueue_on_commit(summaries_refresh_task)
    return "stopped: superseded" not in counts


ROUTING_FIELDS = ("account_owner_id", "country", "region", "industry", "company_size")


def _evidence_at(facts: list[TouchpointFact], stage_changed_at: datetime, now: datetime) -> datetime:
    """When a lead met the definition: at its latest touchpoint that counted — but not
    before it entered its current stage (a touchpoint may predate the lead, or its
    recycling), so its history stays in order; `now` when no touchpoint counted."""
    if not facts:
        return now
    return min(max(max(fact.occurred_at for fact in facts), stage_changed_at), now)


@dataclass(slots=True)
class HandOff:
    lead_id: int
    from_stage: str
    at: datetime
    explanation: Explanation
    routing: dict


def qualify_and_route(hand_offs: list[HandOff], *, definition: LeadDefinition) -> None:
    """Stored nurture leads that now meet `definition`: MQL at their evidence time, routed
    in bulk, with their stage and assignment events. No SLA clock, no notification. One
    UPDATE statement for the leads and one insert for their events, however many there are."""
    decisions = route_many(pl.DataFrame([h.routing for h in hand_offs], infer_schema_length=None))
    ids = [hand_off.lead_id for hand_off in hand_offs]
    moments = pl.Series([hand_off.at for hand_off in hand_offs], dtype=bulk.UTC_DATETIME)
    bulk.update_frame(
        Lead,
        pl.DataFrame(
            {
                "id": ids,
                "stage": [Stage.MQL.value] * len(ids),
                "stage_changed_at": moments,
                "qualified_at": moments,
                "definition_id": [definition.pk] * len(ids),
                "qualification": [json.dumps(hand_off.explanation.as_dict()) for hand_off in hand_offs],
                "owner_id": [decision.owner_id for decision in decisions],
                "team_id": [decision.team_id for decision in decisions],
            },
            schema_overrides={"id": pl.Int64, "owner_id": pl.Int64, "team_id": pl.Int64},
        ),
    )
    stages = pl.DataFrame(
        {
            "lead_id": ids,
            "kind": [LeadEvent.Kind.STAGE.value] * len(ids),
            "from_stage": [hand_off.from_stage for hand_off in hand_offs],
            "to_stage": [Stage.MQL.value] * len(ids),
            "reason": ["fast_track" if hand_off.explanation.fast_track else "score" for hand_off in hand_offs],
            "note": [
                f"Qualified under v{definition.version}: " + "; ".join(hand_off.explanation.reasons)
                for hand_off in hand_offs
            ],
            "data": ["{}"] * len(ids),
            "occurred_at": moments,
        },
        schema_overrides={"lead_id": pl.Int64},
    )
    assigned = pl.DataFrame(
        {
            "lead_id": ids,
            "kind": [LeadEvent.Kind.ASSIGNED.value] * len(ids),
            "from_stage": [""] * len(ids),
            "to_stage": [""] * len(ids),
            "reason": [""] * len(ids),
            "note": [decision.explanation for decision in decisions],
            "data": [json.dumps(assigned_data(decision)) for decision in decisions],
            "occurred_at": moments,
        },
        schema_overrides={"lead_id": pl.Int64},
    )
    # Each lead's stage event, then its assignment, at the same moment (ids keep the order).
    events = pl.concat([stages.with_row_index("_n"), assigned.with_row_index("_n")]).sort("_n", maintain_order=True)
    bulk.insert_frame(
        LeadEvent,
        events.drop("_n").with_columns(
            pl.lit(definition.pk, pl.Int64).alias("definition_id"), pl.lit(None, pl.Int64).alias("actor_id")
        ),
    )


def assigned_data(decision: BulkDecision) -> dict:
    return {"rule": decision.rule, "team": decision.team_name, "owner": decision.owner_email}
