"""Writing a chunk of typed lead rows: match on email (then external id), insert what is
new in bulk with its history, update what changed, leave the rest untouched.

New leads are scored under the active definition in bulk; a lead the definition qualifies
becomes an MQL at its own creation time and is routed, and a stage the file gives is kept
as history. Nothing here starts an SLA clock or notifies anyone (see accord.crm.rescoring)."""

import json

import polars as pl

from accord.core import bulk
from accord.core.text import FREE_MAIL_DOMAINS
from accord.crm.models import NURTURE_STAGES, QUALIFIED_STAGES, Account, Lead, LeadEvent, Stage
from accord.crm.rescoring import ATTRIBUTE_FIELDS, assigned_data, explain_untouched, leads_rescore_bulk
from accord.definitions.vectorised import score_frame
from accord.imports.context import Run, campaign_code, error
from accord.imports.convert import CUSTOM, LINE, custom_merge, lookup
from accord.imports.reader import RowError
from accord.imports.schema import LEAD_FIELDS
from accord.routing.bulk import route_many

# Lead fields an import writes as they are; campaign, stage, owner and created_at are resolved.
UPDATABLE = tuple(f.name for f in LEAD_FIELDS if f.name not in ("campaign", "stage", "owner", "created_at"))
TEXT = tuple(
    name
    for name in UPDATABLE
    if name not in ("email", "external_id", "country", "company_size", "consent_email", "do_not_call")
)
CONTACT = ("first_name", "last_name", "company", "phone")


def _identity(frame: pl.DataFrame) -> pl.Expr:
    email = pl.col("email") if "email" in frame.columns else pl.lit(None, pl.String)
    external = pl.col("external_id") if "external_id" in frame.columns else pl.lit(None, pl.String)
    return pl.coalesce(email, pl.lit("#") + external)


def _merge_duplicates(frame: pl.DataFrame, run: Run) -> pl.DataFrame:
    """Rows repeating an identity within the chunk merge into one: later non-empty cells
    win, as when the same person is captured twice."""
    unique = frame.select(pl.col("_identity").n_unique()).item()
    if unique == frame.height:
        return frame
    run.summary.add("merged duplicate rows", frame.height - unique)
    return frame.group_by("_identity", maintain_order=True).agg(
        pl.col(LINE).last(), *(pl.col(c).drop_nulls().last() for c in frame.columns if c not in (LINE, "_identity"))
    )


def write_leads(frame: pl.DataFrame, run: Run) -> list[RowError]:
    errors: list[RowError] = []
    frame = frame.with_columns(_identity(frame).alias("_identity"))
    missing = frame.filter(pl.col("_identity").is_null())
    errors += [
        error(line, run.plan.header_for("email"), "", "Needs an email or an external id.") for line in missing[LINE]
    ]
    frame = _merge_duplicates(frame.filter(pl.col("_identity").is_not_null()), run)
    errors += resolve_owners(frame, run, "owner")
    frame = frame.filter(~pl.col(LINE).is_in([e.line for e in errors]))

    existing = _existing(frame)
    conflicts = [
        error(line, run.plan.header_for("external_id"), ext, "This external id belongs to a lead with another email.")
        for line, ext in existing.pop("_conflicts")
    ]
    errors += conflicts
    frame = frame.filter(~pl.col(LINE).is_in([e.line for e in conflicts]))
    matched = frame.with_columns(lookup(pl.col("_identity"), existing, pl.Int64).alias("_id"))
    _update(matched.filter(pl.col("_id").is_not_null()), run)
    _insert(matched.filter(pl.col("_id").is_null()).drop("_id"), run)
    return errors


def resolve_owners(frame: pl.DataFrame, run: Run, name: str) -> list[RowError]:
    """Owner cells that match no user: created when the mapping says so, else rejected."""
    if name not in frame.columns:
        return []
    unknown = frame.filter(pl.col(name).is_null() & pl.col(f"{name}__raw").is_not_null())
    if unknown.height == 0:
        return []
    if run.plan.create_users:
        run.users_ensure(set(unknown[f"{name}__raw"].to_list()))
        return []
    header = run.plan.header_for(name)
    return [
        error(line, header, raw, 'No user with this email or name (add the user, or set "create_users": true).')
        for line, raw in unknown.select(LINE, f"{name}__raw").iter_rows()
    ]


def user_ids(frame: pl.DataFrame, run: Run, name: str = "owner") -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, pl.Int64)
    users = run.lookups.users
    return pl.coalesce(
        pl.col(name),
        pl.col(f"{name}__raw").str.to_lowercase().pipe(lookup, users, pl.Int64),
    )


def _existing(frame: pl.DataFrame) -> dict:
    """identity → id of the stored lead, matching email first, then external id."""
    result: dict = {"_conflicts": []}
    emails = frame["email"].drop_nulls().to_list() if "email" in frame.columns else []
    by_email = bulk.ids_by(Lead, "email", emails)
    result.update(by_email)
    if "external_id" in frame.columns:
        externals = frame["external_id"].drop_nulls().to_list()
        stored = {
            external: (pk, email)
            for external, pk, email in Lead.objects.filter(external_id__in=bulk.values_in(externals)).values_list(
                "external_id", "pk", "email"
            )
        }
        claimed: dict[str, str] = {}  # external id → the identity of the first row in this chunk naming it
        has_email = "email" in frame.columns
        cols = [LINE, "_identity", "external_id", "email"] if has_email else [LINE, "_identity", "external_id"]
        for row in frame.select(cols).iter_rows():
            line, identity, external = row[0], row[1], row[2]
            if external is None:
                continue
            email = row[3] if has_email else None
            if claimed.setdefault(external, identity) != identity:
                result["_conflicts"].append((line, external))  # two people in one file with one id
                continue
            if external not in stored:
                continue
            stored_id, stored_email = stored[external]
            email_match = by_email.get(email) if email else None
            if (email_match is not None and email_match != stored_id) or (
                email_match is None and email and stored_email and email != stored_email
            ):
                result["_conflicts"].append((line, external))
            else:
                result[identity] = stored_id
    return result


# --- updates ----------------------------------------------------------------------------


def _update(frame: pl.DataFrame, run: Run) -> None:
    if frame.height == 0:
        return
    present = [name for name in UPDATABLE if name in frame.columns]
    stored = {
        row["id"]: row
        for row in Lead.objects.filter(pk__in=bulk.values_in(frame["_id"].to_list())).values(
            "id", "stage", "owner_id", "custom", "campaign_id", *present
        )
    }
    owner = user_ids(frame, run)
    campaigns = run.campaign_ids(set(frame["campaign"].drop_nulls().to_list())) if "campaign" in frame.columns else {}
    columns = ["_id", *present, *(c for c in ("stage", "campaign", CUSTOM, "custom") if c in frame.columns)]
    changed_ids = []
    for row in frame.with_columns(owner.alias("_owner")).select(*columns, "_owner").iter_rows(named=True):
        lead = stored[row["_id"]]
        changes = {name: row[name] for name in present if row[name] is not None and row[name] != lead[name]}
        if row.get("campaign") is not None and campaigns[row["campaign"]] != lead["campaign_id"]:
            changes["campaign_id"] = campaigns[row["campaign"]]
        if row["_owner"] is not None and row["_owner"] != lead["owner_id"]:
            changes["owner_id"] = row["_owner"]
            changes["team_id"] = run.user_teams.get(row["_owner"])
        extra = [row.get(CUSTOM)]
        if row.get("custom"):
            extra.append(row["custom"])
        custom = custom_merge(lead["custom"] or {}, *extra)
        if custom != (lead["custom"] or {}):
            changes["custom"] = custom
        new_stage = row.get("stage")
        if new_stage is not None and not _moves_forward(lead["stage"], new_stage):
            new_stage = None  # history only moves on: a re-import never takes a customer back to mql
        if not changes and (new_stage is None or new_stage == lead["stage"]):
            run.summary.add("unchanged")
            continue
        run.summary.add("updated")
        fields = sorted(name.removesuffix("_id") for name in changes if name != "team_id")
        if new_stage is not None and new_stage != lead["stage"]:
            changes.update(stage=new_stage, stage_changed_at=run.now)
            if new_stage == Stage.RECYCLED:
                changes["nurture_since"] = run.now
            LeadEvent.objects.create(
                lead_id=lead["id"],
                kind=LeadEvent.Kind.STAGE,
                from_stage=lead["stage"],
                to_stage=new_stage,
                occurred_at=run.now,
                reason="import",
                note=f"Set to {new_stage} by an import",
            )
        Lead.objects.filter(pk=lead["id"]).update(**changes, updated_at=run.now)
        if fields:
            LeadEvent.objects.create(
                lead_id=lead["id"],
                kind=LeadEvent.Kind.UPDATED,
                occurred_at=run.now,
                data={"fields": fields, "by": "import"},
            )
        changed_ids.append(lead["id"])
    if run.definition and changed_ids:
        leads_rescore_bulk(changed_ids, definition=run.definition, now=run.now)


LIFECYCLE = (Stage.SUBSCRIBER, Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER)


def _moves_forward(current: str, new: str) -> bool:
    """Whether a stage from a file may replace the stored one: a later lifecycle stage, or
    leaving the funnel (recycled from sales, disqualified before becoming a customer)."""
    if new == current:
        return False
    if new in LIFECYCLE and current in LIFECYCLE:
        return LIFECYCLE.index(new) > LIFECYCLE.index(current)
    if new == Stage.RECYCLED:
        return current in (Stage.MQL, Stage.SAL, Stage.SQL)
    if new == Stage.DISQUALIFIED:
        return current not in (Stage.CUSTOMER, Stage.DISQUALIFIED)
    return current == Stage.RECYCLED and new in (Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER)


# --- inserts ----------------------------------------------------------------------------


def _accounts(frame: pl.DataFrame, run: Run) -> pl.Expr:
    """The account of each new lead: by corporate email domain, else by company name;
    created, with the lead's company details, when the lead names a company nobody has."""
    domain = pl.col("email").str.split("@").list.last() if "email" in frame.columns else pl.lit(None, pl.String)
    domain = pl.when(domain.is_in(list(FREE_MAIL_DOMAINS))).then(None).otherwise(domain)
    company = pl.col("company") if "company" in frame.columns else pl.lit(None, pl.String)
    keys = frame.select(
        domain.alias("domain"),
        company.alias("company"),
        *[
            (pl.col(c) if c in frame.columns else pl.lit(None, dtype)).alias(c)
            for c, dtype in (
                ("industry", pl.String),
                ("country", pl.String),
                ("company_size", pl.Int64),
                ("created_at", pl.Datetime("us", "UTC")),
            )
        ],
    )
    domains = set(keys["domain"].drop_nulls().to_list())
    from accord.imports.accounts import accounts_by_name  # accounts.py builds on this module's owner helpers

    by_domain = bulk.ids_by(Account, "domain", domains)
    # The oldest account of that name, in any case (as live capture matches).
    by_name = {name: found[0][0] for name, found in accounts_by_name(keys["company"].drop_nulls().to_list()).items()}
    fresh = (
        keys.filter(pl.col("company").is_not_null())
        .with_columns(pl.col("company").str.to_lowercase().alias("_name"))
        .filter(~pl.col("domain").is_in(list(by_domain)).fill_null(False) & ~pl.col("_name").is_in(list(by_name)))
        .unique(subset=[pl.coalesce("domain", "_name")], keep="first", maintain_order=True)
    )
    if fresh.height:
        accounts = fresh.select(
            pl.col("company").alias("name"),
            "domain",
            pl.col("industry").fill_null(""),
            pl.col("country").fill_null(""),
            "company_size",
            pl.col("created_at").fill_null(run.now),
        )
        bulk.insert_frame(Account, accounts)
        run.summary.add("accounts created", fresh.height)
        by_domain.update(bulk.ids_by(Account, "domain", fresh["domain"].drop_nulls().to_list()))
        no_domain = fresh.filter(pl.col("domain").is_null())["company"].to_list()
        if no_domain:
            made = Account.objects.filter(name__in=bulk.values_in(no_domain), domain__isnull=True)
            for name, pk in made.values_list("name", "pk"):
                by_name.setdefault(name.lower(), pk)
    domain_ids = domain.pipe(lookup, by_domain, pl.Int64)
    name_ids = company.str.to_lowercase().pipe(lookup, by_name, pl.Int64)
    return pl.coalesce(domain_ids, name_ids)


def _insert(frame: pl.DataFrame, run: Run) -> None:
    if frame.height == 0:
        return
    now = run.now
    for name in (*UPDATABLE, "stage", "campaign", "created_at"):
        if name not in frame.columns:
            dtype = {
                "company_size": pl.Int64,
                "consent_email": pl.Boolean,
                "do_not_call": pl.Boolean,
                "created_at": pl.Datetime("us", "UTC"),
            }.get(name, pl.String)
            frame = frame.with_columns(pl.lit(None, dtype).alias(name))
    # Scored as stored: an empty consent cell is "no consent", not "unknown".
    frame = frame.with_columns(pl.col("consent_email").fill_null(False), pl.col("do_not_call").fill_null(False))
    campaigns = run.campaign_ids(set(frame["campaign"].drop_nulls().to_list()))
    frame = frame.with_columns(
        pl.col("created_at").fill_null(now),
        _accounts(frame, run).alias("account_id"),
        user_ids(frame, run).alias("owner_id"),
        pl.col("campaign").pipe(lookup, campaigns, pl.Int64).alias("campaign_id"),
        pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in CONTACT))
        .then(pl.lit(Stage.LEAD.value))
        .otherwise(pl.lit(Stage.SUBSCRIBER.value))
        .alias("_initial"),
    )
    frame = frame.with_row_index("key")
    definition = run.definition
    if definition is not None:
        attributes = frame.select("key", *ATTRIBUTE_FIELDS, "email", _campaign_codes(campaigns)).with_columns(
            pl.col("email").str.split("@").list.last().fill_null("").alias("email_domain"),
        )
        scores = score_frame(definition.parsed, attributes, None, now=now, signature=True)
        frame = frame.join(
            scores.select("key", "fit", "engagement", "total", "qualified", "signature"), on="key", how="left"
        )
    else:
        frame = frame.with_columns(
            pl.lit(0.0).alias("fit"),
            pl.lit(0.0).alias("engagement"),
            pl.lit(0.0).alias("total"),
            pl.lit(False).alias("qualified"),
            pl.lit("").alias("signature"),
        )
    by_score = pl.col("stage").is_null() & pl.col("qualified") & pl.col("_initial").is_in(list(NURTURE_STAGES))
    frame = frame.with_columns(
        by_score.alias("_by_score"),
        pl.coalesce(pl.col("stage"), pl.when(by_score).then(pl.lit(Stage.MQL.value)), pl.col("_initial")).alias(
            "_stage"
        ),
    )
    # Routing: leads that end up MQLs with nobody named as their owner.
    to_route = frame.filter((pl.col("_stage") == Stage.MQL) & pl.col("owner_id").is_null())
    decisions = {}
    if to_route.height:
        account_owner = (
            dict(
                Account.objects.filter(
                    pk__in=bulk.values_in(to_route["account_id"].drop_nulls().unique().to_list())
                ).values_list("pk", "owner_id")
            )
            if to_route["account_id"].drop_nulls().len()
            else {}
        )
        routing = to_route.select(
            pl.col("account_id").pipe(lookup, account_owner, pl.Int64).alias("account_owner_id"),
            "country",
            "region",
            "industry",
            "company_size",
        )
        decisions = dict(zip(to_route["key"].to_list(), route_many(routing), strict=True))
        run.summary.add("routed", sum(1 for d in decisions.values() if d.owner_id))
    # The routed take their decision; the others keep the owner the file named, in that owner's team.
    routed = pl.col("key").is_in(list(decisions))
    decided_owner = _by_key(decisions, lambda d: d.owner_id)
    decided_team = _by_key(decisions, lambda d: d.team_id)
    teams = run.user_teams
    frame = frame.with_columns(
        pl.when(routed).then(decided_owner).otherwise(pl.col("owner_id")).alias("owner_id"),
        pl.when(routed).then(decided_team).otherwise(pl.col("owner_id").pipe(lookup, teams, pl.Int64)).alias("team_id"),
    )

    # Stored explanations for the leads the definition qualified (the reference scorer's words).
    explanations: dict[int, str] = {}
    if definition is not None:
        chosen = frame.filter(pl.col("_by_score")).select("key", *ATTRIBUTE_FIELDS, "email", _campaign_codes(campaigns))
        texts: dict[int, str] = {}  # id of a shared Explanation → its JSON
        rows = chosen.iter_rows(named=True)
        signatures = frame.filter(pl.col("_by_score"))["signature"].to_list()
        for key, explanation in zip(
            chosen["key"].to_list(), explain_untouched(definition, rows, signatures, now), strict=True
        ):
            if id(explanation) not in texts:
                texts[id(explanation)] = json.dumps(explanation.as_dict())
            explanations[key] = texts[id(explanation)]
    qualification = pl.Series(
        "qualification", [explanations.get(k, "{}") for k in frame["key"].to_list()], dtype=pl.String
    )

    qualified = pl.col("_stage").is_in([s.value for s in QUALIFIED_STAGES])
    custom_parts = [c for c in (CUSTOM, "custom") if c in frame.columns]
    leads = frame.with_columns(qualification).select(
        *(pl.col(name).fill_null("") for name in TEXT),
        "email",
        "external_id",
        pl.col("country").fill_null(""),
        "company_size",
        "consent_email",
        "do_not_call",
        "campaign_id",
        "account_id",
        pl.col("_stage").alias("stage"),
        pl.col("created_at").alias("stage_changed_at"),
        "owner_id",
        "team_id",
        pl.col("fit").alias("score_fit"),
        pl.col("engagement").alias("score_engagement"),
        pl.col("total").alias("score_total"),
        pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("scored_at"),
        pl.lit(definition.pk if definition else None, pl.Int64).alias("definition_id"),
        "qualification",
        pl.when(qualified).then(pl.col("created_at")).alias("qualified_at"),
        pl.when(pl.col("_stage") == Stage.RECYCLED).then(pl.col("created_at")).alias("nurture_since"),
        _custom_expr(custom_parts).alias("custom"),
        "created_at",
        pl.lit(now).cast(pl.Datetime("us", "UTC")).alias("updated_at"),
    )
    bulk.insert_frame(Lead, leads)
    run.summary.add("created", frame.height)
    ids = bulk.ids_by(Lead, "email", frame["email"].drop_nulls().to_list())
    no_email = frame.filter(pl.col("email").is_null())["external_id"].to_list()
    by_external = bulk.ids_by(Lead, "external_id", no_email)
    frame = frame.with_columns(
        pl.coalesce(
            pl.col("email").pipe(lookup, ids, pl.Int64),
            pl.col("external_id").pipe(lookup, by_external, pl.Int64),
        ).alias("lead_id")
    )
    _insert_events(frame, run, decisions)


def _by_key(decisions: dict, value) -> pl.Expr:
    return lookup(pl.col("key"), {key: value(d) for key, d in decisions.items()}, pl.Int64)


def _campaign_codes(campaigns: dict[str, int]) -> pl.Expr:
    """The campaign attribute rules test is the campaign's code."""
    return lookup(pl.col("campaign"), {value: campaign_code(value) for value in campaigns}, pl.String)


def _custom_expr(parts: list[str]) -> pl.Expr:
    if not parts:
        return pl.lit("{}")
    if parts == [CUSTOM]:
        return pl.col(CUSTOM).fill_null("{}")
    # An exported `custom` object and unmapped columns together: merge them row by row.
    return pl.struct(parts).map_elements(
        lambda row: json.dumps(custom_merge({}, row.get("custom"), row.get(CUSTOM))), return_dtype=pl.String
    )


def _insert_events(frame: pl.DataFrame, run: Run, decisions: dict) -> None:
    """History of each new lead at its own time: created, then the stage the file or the
    definition put it in, then who it was routed to."""
    definition = run.definition
    created = frame.select(
        "lead_id",
        pl.lit(LeadEvent.Kind.CREATED.value).alias("kind"),
        pl.lit("").alias("from_stage"),
        pl.col("_initial").alias("to_stage"),
        pl.lit("").alias("reason"),
        pl.lit("").alias("note"),
        pl.lit(None, pl.Int64).alias("definition_id"),
        pl.struct(pl.col("source").fill_null(""), pl.col("campaign"), pl.lit("import").alias("by"))
        .struct.json_encode()
        .alias("data"),
        pl.col("created_at").alias("occurred_at"),
    )
    staged = frame.filter(pl.col("_stage") != pl.col("_initial")).select(
        "lead_id",
        pl.lit(LeadEvent.Kind.STAGE.value).alias("kind"),
        pl.col("_initial").alias("from_stage"),
        pl.col("_stage").alias("to_stage"),
        pl.when(pl.col("_by_score")).then(pl.lit("score")).otherwise(pl.lit("import")).alias("reason"),
        pl.when(pl.col("_by_score"))
        .then(pl.lit(f"Qualified under v{definition.version}" if definition else ""))
        .otherwise(pl.lit("Imported as ") + pl.col("_stage"))
        .alias("note"),
        pl.when(pl.col("_by_score"))
        .then(pl.lit(definition.pk if definition else None, pl.Int64))
        .alias("definition_id"),
        pl.lit("{}").alias("data"),
        pl.col("created_at").alias("occurred_at"),
    )
    bulk.insert_frame(LeadEvent, pl.concat([created, staged]).with_columns(pl.lit(None, pl.Int64).alias("actor_id")))
    if decisions:
        # As crm.rescoring.qualify_and_route writes them (assigned_data).
        routed = frame.filter(pl.col("key").is_in(list(decisions)))
        keyed = dict(routed.select("key", "lead_id").iter_rows())
        at = dict(routed.select("key", "created_at").iter_rows())
        assigned = pl.DataFrame(
            {
                "lead_id": [keyed[key] for key in decisions],
                "note": [d.explanation for d in decisions.values()],
                "data": [json.dumps(assigned_data(d)) for d in decisions.values()],
                "occurred_at": [at[key] for key in decisions],
            },
            schema={"lead_id": pl.Int64, "note": pl.String, "data": pl.String, "occurred_at": pl.Datetime("us", "UTC")},
        )
        bulk.insert_frame(
            LeadEvent,
            assigned.with_columns(
                pl.lit(LeadEvent.Kind.ASSIGNED.value).alias("kind"),
                pl.lit(definition.pk if definition else None, pl.Int64).alias("definition_id"),
                pl.lit(None, pl.Int64).alias("actor_id"),
            ),
        )
