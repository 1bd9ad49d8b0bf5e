"""Writing a chunk of typed opportunity rows. Matched on the external id, or on a stable
hash of name, account, lead and creation time. A deal linked to a lead moves the lead
along at the deal's own dates — to sql when it was created, to customer when it was won,
back to nurture when it was lost with no other deal open — so funnel reports over the
imported history are right. Owners who are not users are kept by name."""

import hashlib
from datetime import datetime
from decimal import Decimal

import polars as pl
from django.db.models.functions import Lower

from accord.crm.models import Account, Lead, LeadEvent, Opportunity, SalesStage, Stage
from accord.imports import bulk
from accord.imports.context import Run, error
from accord.imports.convert import LINE
from accord.imports.leads import resolve_owners, user_ids
from accord.imports.reader import RowError

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
    first_stage = next(iter(stages.values()), None)
    leads = _leads(frame)
    accounts = _accounts(frame)
    for row in frame.iter_rows(named=True):
        line = row[LINE]
        stage_cell = (row.get("stage") or "open").strip()
        status, sales_stage = stage_cell.lower(), None
        if status not in STATUSES:
            sales_stage = stages.get(status)
            if sales_stage is None:
                names = ", ".join(s.name for s in stages.values())
                errors.append(
                    error(
                        line,
                        run.plan.header_for("stage"),
                        stage_cell,
                        f"Not open, won, lost or a sales stage ({names}).",
                    )
                )
                continue
            status = Opportunity.Status.OPEN
        lead_ref = row.get("lead")
        lead_id = leads.get(lead_ref.lower() if lead_ref and "@" in lead_ref else lead_ref) if lead_ref else None
        if lead_ref and lead_id is None:
            errors.append(error(line, run.plan.header_for("lead"), lead_ref, "No lead with this email or external id."))
            continue
        closed_at = row.get("closed_at")
        expected = row.get("expected_close_on")
        if status == Opportunity.Status.OPEN:
            # HubSpot and Salesforce call an open deal's expected close date its "close date".
            expected = expected or (closed_at.date() if closed_at else None)
            closed_at = None
        elif closed_at is None:
            errors.append(error(line, run.plan.header_for("closed_at"), "", f"A {status} deal needs its close date."))
            continue
        created_at = row.get("created_at") or closed_at or run.now
        account_id = accounts.get(row["account"].lower()) if row.get("account") else None
        owner_raw = row.get("owner__raw")
        values = {
            "name": row["name"],
            "lead_id": lead_id,
            "account_id": account_id,
            "owner_id": row["owner_id"],
            "owner_name": "" if row["owner_id"] else (owner_raw or ""),
            "amount": (row.get("amount") or Decimal("0")).quantize(Decimal("0.01")),
            "status": status,
            "sales_stage_id": (sales_stage or first_stage).pk
            if status == "open" and (sales_stage or first_stage)
            else None,
            "closed_at": closed_at,
            "expected_close_on": expected,
            "lost_reason": row.get("lost_reason") or "",
        }
        external_id = row.get("external_id") or _stable_key(
            row["name"], row.get("account"), lead_ref, row.get("created_at")
        )
        current = Opportunity.objects.filter(external_id=external_id).values("pk", *COMPARED).first()
        if current is None:
            opportunity = Opportunity.objects.create(external_id=external_id, created_at=created_at, **values)
            run.summary.add("created")
            previous_status = None
        else:
            changes = {k: v for k, v in values.items() if current[k] != v}
            if not changes:
                run.summary.add("unchanged")
                continue
            Opportunity.objects.filter(pk=current["pk"]).update(**changes)
            opportunity = Opportunity.objects.get(pk=current["pk"])
            run.summary.add("updated")
            previous_status = current["status"]
        if lead_id is not None:
            _lead_follows(opportunity, previous_status, row.get("lead_owner_id"), run)
    return errors


def _leads(frame: pl.DataFrame) -> dict[str, int]:
    if "lead" not in frame.columns:
        return {}
    refs = frame["lead"].drop_nulls().unique().to_list()
    found = bulk.ids_by(Lead, "email", [r.lower() for r in refs if "@" in r])
    found.update(bulk.ids_by(Lead, "external_id", refs))
    return found


def _accounts(frame: pl.DataFrame) -> dict[str, int]:
    """lower(account cell) → id; accounts the file names for the first time are created."""
    if "account" not in frame.columns:
        return {}
    cells = {c.lower(): c for c in frame["account"].drop_nulls().to_list()}
    found = {
        name.lower(): pk
        for name, pk in Account.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=bulk.values_in(list(cells)))
        .order_by("-pk")
        .values_list("name", "pk")
    }
    found.update(
        dict(Account.objects.filter(domain__in=bulk.values_in(list(cells))).values_list("domain", "pk"))
    )
    for key, name in cells.items():
        if key not in found:
            found[key] = Account.objects.create(name=name).pk
    return found


def _lead_follows(opportunity: Opportunity, previous_status: str | None, lead_owner_id: int | None, run: Run) -> None:
    lead = Lead.objects.select_for_update().get(pk=opportunity.lead_id)
    data = {"opportunity": opportunity.pk, "amount": str(opportunity.amount), "by": "import"}
    if lead_owner_id and lead.owner_id is None:
        lead.owner_id, lead.team_id = lead_owner_id, run.user_teams.get(lead_owner_id)
        lead.save(update_fields=["owner", "team"])
    if previous_status is None and lead.stage not in (Stage.SQL, Stage.CUSTOMER):
        _move(lead, Stage.SQL, at=opportunity.created_at, data=data)
    if opportunity.status == previous_status:
        return
    if opportunity.status == Opportunity.Status.WON and lead.stage == Stage.SQL:
        _move(lead, Stage.CUSTOMER, at=opportunity.closed_at, data=data)
    elif (
        opportunity.status == Opportunity.Status.LOST
        and lead.stage == Stage.SQL
        and not lead.opportunities.filter(status=Opportunity.Status.OPEN).exists()
    ):
        lead.nurture_since = opportunity.closed_at
        lead.save(update_fields=["nurture_since"])
        _move(lead, Stage.RECYCLED, at=opportunity.closed_at, data=data, reason=opportunity.lost_reason)


def _move(lead: Lead, stage: str, *, at: datetime, data: dict, reason: str = "") -> None:
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.STAGE,
        from_stage=lead.stage,
        to_stage=stage,
        occurred_at=at,
        reason=reason or "import",
        note="Imported deal",
        data=data,
    )
    lead.stage, lead.stage_changed_at = stage, at
    lead.save(update_fields=["stage", "stage_changed_at"])
