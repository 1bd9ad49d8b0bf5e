"""Writing a chunk of typed touchpoint rows. Each is matched on its external id, or, when
the file has none, on its lead and a stable key of its fields (`crm.keys`), so a re-run
adds nothing twice. An email nobody has yet becomes a subscriber, as a tracked form or
click would. Every lead the file names is rescored when the file is done (`import_run`):
also after a run killed halfway, whose rows the next run finds already stored."""

import polars as pl

from accord.campaigns.models import Campaign
from accord.core import bulk
from accord.core.text import FREE_MAIL_DOMAINS
from accord.crm.keys import touchpoint_row_keys
from accord.crm.models import Account, Lead, LeadEvent, Stage, Touchpoint
from accord.imports.context import Run, error
from accord.imports.convert import LINE, lookup
from accord.imports.reader import RowError

OPTIONAL_TEXT = ("channel", "utm_source", "utm_medium", "utm_campaign", "note")


def _lead_ids(frame: pl.DataFrame, run: Run) -> tuple[pl.DataFrame, list[RowError]]:
    emails = frame["email"].drop_nulls().unique().to_list() if "email" in frame.columns else []
    by_email = bulk.ids_by(Lead, "email", emails)
    new_emails = [email for email in emails if email not in by_email]
    if new_emails:
        first_seen = (
            frame.filter(pl.col("email").is_in(new_emails))
            .group_by("email")
            .agg(pl.col("occurred_at").min())
            .sort("email")
        )
        # Their company, when the email is at a known account's domain (as a capture finds it).
        domain = pl.col("email").str.split("@").list.last()
        domains = first_seen.select(domain.unique())["email"].to_list()
        accounts = bulk.ids_by(Account, "domain", [d for d in domains if d not in FREE_MAIL_DOMAINS])
        leads = first_seen.select(
            "email",
            domain.pipe(lookup, accounts, pl.Int64).alias("account_id"),
            pl.lit(Stage.SUBSCRIBER.value).alias("stage"),
            pl.col("occurred_at").alias("stage_changed_at"),
            pl.col("occurred_at").alias("created_at"),
            pl.lit(run.now).cast(pl.Datetime("us", "UTC")).alias("updated_at"),
        )
        bulk.insert_frame(Lead, leads)
        created = bulk.ids_by(Lead, "email", new_emails)
        by_email.update(created)
        events = first_seen.select(
            pl.col("email").replace_strict(created, return_dtype=pl.Int64).alias("lead_id"),
            pl.lit(LeadEvent.Kind.CREATED.value).alias("kind"),
            pl.lit(Stage.SUBSCRIBER.value).alias("to_stage"),
            pl.lit('{"by": "import"}').alias("data"),
            "occurred_at",
        )
        bulk.insert_frame(LeadEvent, events)
        run.summary.add("leads created", len(created))
    by_external = (
        bulk.ids_by(Lead, "external_id", frame["lead_external_id"].drop_nulls().unique().to_list())
        if "lead_external_id" in frame.columns
        else {}
    )
    email = pl.col("email") if "email" in frame.columns else pl.lit(None, pl.String)
    external = pl.col("lead_external_id") if "lead_external_id" in frame.columns else pl.lit(None, pl.String)
    frame = frame.with_columns(
        pl.coalesce(
            email.pipe(lookup, by_email, pl.Int64),
            external.pipe(lookup, by_external, pl.Int64),
        ).alias("lead_id")
    )
    missing = frame.filter(pl.col("lead_id").is_null())
    errors = [
        error(line, run.plan.header_for("lead_external_id" if mail is None else "email"), mail or ext, reason)
        for line, mail, ext in missing.select(LINE, email, external).iter_rows()
        for reason in ["Needs the lead's email." if mail is None and ext is None else "No lead with this external id."]
    ]
    return frame.filter(pl.col("lead_id").is_not_null()), errors


def write_touchpoints(frame: pl.DataFrame, run: Run) -> list[RowError]:
    if frame.height == 0:
        return []
    frame, errors = _lead_ids(frame, run)
    for name in (*OPTIONAL_TEXT, "campaign", "external_id"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    campaigns = run.campaign_ids(set(frame["campaign"].drop_nulls().to_list()))
    frame = frame.with_columns(pl.col("campaign").pipe(lookup, campaigns, pl.Int64).alias("campaign_id"))
    # No channel given: the campaign's, as a captured touchpoint takes it.
    channels = dict(
        Campaign.objects.filter(pk__in=bulk.values_in(sorted(set(campaigns.values())))).values_list("pk", "channel")
    )
    frame = frame.with_columns(
        pl.when(pl.col("channel").is_null() | (pl.col("channel") == ""))
        .then(pl.col("campaign_id").pipe(lookup, channels, pl.String))
        .otherwise(pl.col("channel"))
        .alias("channel")
    )
    frame = frame.with_columns(
        pl.when(pl.col("external_id").is_null()).then(touchpoint_row_keys(frame)).alias("row_key"),
    )
    # Rows already stored (or repeated in the chunk) are skipped by the unique external id
    # and (lead, row_key): one statement, and safe against another import running alongside.
    created = bulk.insert_frame(
        Touchpoint,
        frame.select(
            "lead_id",
            "type",
            *(pl.col(name).fill_null("") for name in OPTIONAL_TEXT),
            "campaign_id",
            "occurred_at",
            "external_id",
            "row_key",
            pl.lit(run.now).cast(pl.Datetime("us", "UTC")).alias("created_at"),
        ),
        skip_existing=True,
    )
    run.summary.add("created", created)
    run.summary.add("unchanged", frame.height - created)
    run.rescore.update(frame["lead_id"].unique().to_list())
    return errors
