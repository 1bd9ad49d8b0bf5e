"""Writing a chunk of typed opportunity rows. Matched on the external id, or on a stable
hash of name, account, lead and creation time. A deal linked to a lead moves the lead
along at the deal's own dates — to sql when it was created, to customer when it was won,
back to nurture when it was lost with no other deal open — so funnel reports over the
imported history are right. Owners who are not users are kept by name.

Each deal's history (`OpportunityEvent`) records it created at its creation date, and won
or lost at its close date; a later file that changes its status adds the change (a reopen
at the time of the import), one that moves an open deal along the pipeline adds that.

On an update, as for leads, an empty cell never erases: a row without a stage keeps the
deal's status, one without an owner keeps its owner. The leads the chunk touches are read
and locked once, followed in memory row by row, and written back with their history in
bulk at the end."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import polars as pl

from accord.core import bulk
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, OpportunityEvent, SalesStage, Stage
from accord.imports.accounts import account_match, accounts_by_name
from accord.imports.context import Run, error
from accord.imports.convert import LINE
from accord.imports.leads import resolve_owners, user_ids
from accord.imports.reader import RowError
from accord.routing.models import SlaClock

STATUSES = ("open", "won", "lost")
COMPARED = (
    "name",
    "lead_id",
    "account_id",
    "owner_id",
    "owner_name",
    "amount",
    "status",
    "sales_stage_id",
    "closed_at",
    "expected_close_on",
    "lost_reason",
)
SAVED = ("stage", "stage_changed_at", "owner_id", "team_id", "nurture_since")  # what following a deal changes
NEW = {
    "lead_id": None,
    "account_id": None,
    "owner_id": None,
    "owner_name": "",
    "amount": Decimal("0.00"),
    "expected_close_on": None,
    "lost_reason": "",
}


def _stable_key(*parts) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return "row:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def write_opportunities(frame: pl.DataFrame, run: Run) -> list[RowError]:
    if frame.height == 0:
        return []
    errors: list[RowError] = []
    if run.plan.create_users:
        resolve_owners(frame, run, "owner")
    errors += resolve_owners(frame, run, "lead_owner")
    frame = frame.filter(~pl.col(LINE).is_in([e.line for e in errors]))
    frame = frame.with_columns(
        user_ids(frame, run, "owner").alias("owner_id"), user_ids(frame, run, "lead_owner").alias("lead_owner_id")
    )
    stages = {s.name.lower(): s for s in SalesStage.objects.order_by("position")}
    stage_names = {s.pk: s.name for s in stages.values()}
    history: list[OpportunityEvent] = []
    first_stage = next(iter(stages.values()), None)
    by_email, by_external = _leads(frame)
    accounts = _accounts(frame, run)
    rows = list(frame.iter_rows(named=True))
    keys = [
        row.get("external_id") or _stable_key(row["name"], row.get("account"), row.get("lead"), row.get("created_at"))
        for row in rows
    ]
    stored = {
        found["external_id"]: found
        for found in Opportunity.objects.filter(external_id__in=bulk.values_in(keys)).values(
            "pk", "external_id", "created_at", *COMPARED
        )
    }
    known_leads = {found["lead_id"] for found in stored.values() if found["lead_id"] is not None}
    leads = _Leads.load({*by_email.values(), *by_external.values(), *known_leads}, run)
    for row, external_id in zip(rows, keys, strict=True):
        line = row[LINE]
        current = stored.get(external_id)
        stage_cell = (row.get("stage") or "").strip()
        status, sales_stage_id = stage_cell.lower(), None
        if not stage_cell:
            status = current["status"] if current else Opportunity.Status.OPEN
        elif status not in STATUSES:
            if status not in stages:
                names = ", ".join(s.name for s in stages.values())
                reason = f"Not open, won, lost or a sales stage ({names})."
                errors.append(error(line, run.plan.header_for("stage"), stage_cell, reason))
                continue
            status, sales_stage_id = Opportunity.Status.OPEN, stages[status].pk
        lead_ref = row.get("lead")
        lead_id = _lead_id(lead_ref, by_email, by_external) if lead_ref else None
        if lead_ref and lead_id is None:
            errors.append(error(line, run.plan.header_for("lead"), lead_ref, "No lead with this email or external id."))
            continue
        closed_at, expected = row.get("closed_at"), row.get("expected_close_on")
        if status == Opportunity.Status.OPEN:
            # HubSpot and Salesforce call an open deal's expected close date its "close date".
            expected = expected or (closed_at.date() if closed_at else None)
            closed_at = None
            kept = current["sales_stage_id"] if current else None
            sales_stage_id = sales_stage_id or kept or (first_stage.pk if first_stage else None)
        else:
            if closed_at is None and current and current["status"] == status:
                closed_at = current["closed_at"]
            if closed_at is None:
                reason = f"A {status} deal needs its close date."
                errors.append(error(line, run.plan.header_for("closed_at"), "", reason))
                continue
        values = {"name": row["name"], "status": status, "sales_stage_id": sales_stage_id, "closed_at": closed_at}
        given = {
            "lead_id": lead_id,
            "account_id": accounts.get(row["account"].lower()) if row.get("account") else None,
            "amount": row["amount"].quantize(Decimal("0.01")) if row.get("amount") is not None else None,
            "expected_close_on": expected,
            "lost_reason": row.get("lost_reason"),
        }
        if row["owner_id"] is not None:
            given.update(owner_id=row["owner_id"], owner_name="")
        elif row.get("owner__raw"):
            given.update(owner_id=None, owner_name=row["owner__raw"])
        values.update({name: value for name, value in given.items() if value is not None})
        if status == Opportunity.Status.WON:
            values["lost_reason"] = ""
        if current is None:
            created_at = row.get("created_at") or closed_at or run.now
            opportunity = Opportunity.objects.create(external_id=external_id, created_at=created_at, **(NEW | values))
            changes = None
            stored[external_id] = {"pk": opportunity.pk, "created_at": created_at, **NEW, **values}
            run.summary.add("created")
            previous_status = None
        else:
            changes = {name: value for name, value in values.items() if current[name] != value}
            if not changes:
                run.summary.add("unchanged")
                continue
            Opportunity.objects.filter(pk=current["pk"]).update(**changes)
            previous_status = current["status"]
            current.update(changes)
            run.summary.add("updated")
        deal = stored[external_id]
        history += _history(deal, previous_status, changes, stage_names, run.now)
        if deal["lead_id"] is not None:
            leads.follow(deal, previous_status, row.get("lead_owner_id"))
    leads.save()
    OpportunityEvent.objects.bulk_create(history, batch_size=1000)
    return errors


def _history(
    deal: dict, previous_status: str | None, changes: dict | None, stage_names: dict[int, str], now: datetime
) -> list[OpportunityEvent]:
    """The history entries of one imported row: for a new deal its creation (and close);
    for an updated one a change of status or, while open, of sales stage."""
    Kind = OpportunityEvent.Kind

    def entry(kind: str, at: datetime) -> OpportunityEvent:
        return OpportunityEvent(
            opportunity_id=deal["pk"],
            kind=kind,
            status=deal["status"],
            amount=deal["amount"],
            sales_stage=stage_names.get(deal["sales_stage_id"], ""),
            reason=deal["lost_reason"] if kind == Kind.LOST else "",
            note="Imported",
            occurred_at=at,
        )

    status = deal["status"]
    if previous_status is None:
        created = entry(Kind.CREATED, deal["created_at"])
        created.status = Opportunity.Status.OPEN
        return [created] if status == Opportunity.Status.OPEN else [created, entry(status, deal["closed_at"])]
    if status != previous_status:
        return [entry(Kind.REOPENED, now) if status == Opportunity.Status.OPEN else entry(status, deal["closed_at"])]
    if status == Opportunity.Status.OPEN and "sales_stage_id" in (changes or {}):
        return [entry(Kind.STAGE, now)]
    return []


def _lead_id(ref: str, by_email: dict[str, int], by_external: dict[str, int]) -> int | None:
    return (by_email.get(ref.lower()) if "@" in ref else None) or by_external.get(ref)


def _leads(frame: pl.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """(lower(email) → id, external id → id) of the leads the chunk names."""
    if "lead" not in frame.columns:
        return {}, {}
    refs = frame["lead"].drop_nulls().unique().to_list()
    return bulk.ids_by(Lead, "email", [r.lower() for r in refs if "@" in r]), bulk.ids_by(Lead, "external_id", refs)


def _accounts(frame: pl.DataFrame, run: Run) -> dict[str, int]:
    """lower(account cell) → id, by domain or name; accounts named for the first time are created."""
    if "account" not in frame.columns:
        return {}
    cells = {c.lower(): c for c in frame["account"].drop_nulls().to_list()}
    by_domain = bulk.ids_by(Account, "domain", list(cells))
    by_name = accounts_by_name(cells.values())
    found = {}
    for key, cell in cells.items():
        pk = account_match(by_domain, by_name, cell, None)
        if pk is None:
            pk = Account.objects.create(name=cell, created_at=run.now).pk
            by_name[key] = [(pk, None)]
        found[key] = pk
    return found


@dataclass(slots=True)
class _Leads:
    """The leads of one chunk's deals, locked, followed in memory, written back once."""

    run: Run
    state: dict[int, dict]
    open_deals: dict[int, set[int]]  # lead id → ids of its open deals
    events: list[LeadEvent] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)
    converted: dict[int, datetime] = field(default_factory=dict)  # lead id → when it became an opportunity

    @classmethod
    def load(cls, ids: set[int], run: Run) -> "_Leads":
        if not ids:
            return cls(run, {}, {})
        rows = Lead.objects.select_for_update().filter(pk__in=bulk.values_in(sorted(ids)))
        state = {row.pop("id"): row for row in rows.values("id", *SAVED)}
        open_deals: dict[int, set[int]] = {}
        deals = Opportunity.objects.filter(lead_id__in=bulk.values_in(sorted(ids)), status=Opportunity.Status.OPEN)
        for lead_id, pk in deals.values_list("lead_id", "pk"):
            open_deals.setdefault(lead_id, set()).add(pk)
        return cls(run, state, open_deals)

    def follow(self, deal: dict, previous_status: str | None, lead_owner_id: int | None) -> None:
        lead_id, status = deal["lead_id"], deal["status"]
        lead = self.state[lead_id]
        open_deals = self.open_deals.setdefault(lead_id, set())
        if status == Opportunity.Status.OPEN:
            open_deals.add(deal["pk"])
        else:
            open_deals.discard(deal["pk"])
        data = {"opportunity": deal["pk"], "amount": str(deal["amount"]), "by": "import"}
        if lead_owner_id and lead["owner_id"] is None:
            lead.update(owner_id=lead_owner_id, team_id=self.run.user_teams.get(lead_owner_id))
            self.changed.add(lead_id)
        if previous_status is None and lead["stage"] not in (Stage.SQL, Stage.CUSTOMER):
            self._move(lead_id, Stage.SQL, at=deal["created_at"], data=data)
            self.converted.setdefault(lead_id, deal["created_at"])
        if status == previous_status or lead["stage"] != Stage.SQL:
            return
        if status == Opportunity.Status.WON:
            self._move(lead_id, Stage.CUSTOMER, at=deal["closed_at"], data=data)
        elif status == Opportunity.Status.LOST and not open_deals:
            # Back to marketing's nurture, as when a rep closes the deal lost.
            lead.update(nurture_since=deal["closed_at"], owner_id=None)
            self._move(lead_id, Stage.RECYCLED, at=deal["closed_at"], data=data, reason=deal["lost_reason"])

    def _move(self, lead_id: int, stage: str, *, at: datetime, data: dict, reason: str = "") -> None:
        lead = self.state[lead_id]
        self.events.append(
            LeadEvent(
                lead_id=lead_id,
                kind=LeadEvent.Kind.STAGE,
                from_stage=lead["stage"],
                to_stage=stage,
                occurred_at=at,
                reason=reason or "import",
                note="Imported deal",
                data=data,
            )
        )
        lead.update(stage=stage, stage_changed_at=at)
        self.changed.add(lead_id)

    def save(self) -> None:
        leads = [Lead(pk=pk, **self.state[pk], updated_at=self.run.now) for pk in sorted(self.changed)]
        Lead.objects.bulk_update(leads, [*SAVED, "updated_at"], batch_size=500)
        LeadEvent.objects.bulk_create(self.events, batch_size=1000)
        self._stop_clocks()

    def _stop_clocks(self) -> None:
        """A lead the file shows converted has been followed up: its running clock stops
        then (not before it started), so no breach is flagged or escalated for it."""
        if not self.converted:
            return
        running = SlaClock.objects.filter(lead_id__in=bulk.values_in(sorted(self.converted)), stopped_at__isnull=True)
        for clock in running:
            clock.stopped_at = max(clock.started_at, self.converted[clock.lead_id])
            clock.outcome = SlaClock.Outcome.CONVERTED
            clock.save(update_fields=["stopped_at", "outcome"])
