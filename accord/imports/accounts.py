"""Writing a chunk of typed account rows: match on domain, else on the name (any case)."""

import polars as pl
from django.db.models.functions import Lower

from accord.crm.models import Account
from accord.imports import bulk
from accord.imports.context import Run
from accord.imports.convert import LINE
from accord.imports.leads import resolve_owners, user_ids
from accord.imports.reader import RowError

FIELDS = ("name", "domain", "industry", "country", "company_size")


def write_accounts(frame: pl.DataFrame, run: Run) -> list[RowError]:
    errors = resolve_owners(frame, run, "owner")
    frame = frame.filter(~pl.col(LINE).is_in([e.line for e in errors]))
    if "domain" in frame.columns:
        frame = frame.with_columns(
            pl.col("domain")
            .str.to_lowercase()
            .str.replace(r"^https?://", "")
            .str.replace(r"^www\.", "")
            .str.replace(r"/.*$", "")
        )
    frame = frame.with_columns(user_ids(frame, run).alias("owner_id"))
    present = [name for name in FIELDS if name in frame.columns]
    by_domain = (
        bulk.ids_by(Account, "domain", frame["domain"].drop_nulls().to_list()) if "domain" in frame.columns else {}
    )
    names = list({n.lower() for n in frame["name"].to_list()})
    by_name = {
        name.lower(): pk
        for name, pk in Account.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=bulk.values_in(names))
        .order_by("-pk")
        .values_list("name", "pk")
    }
    stored = {}
    seen: dict[str, int] = {}
    for row in frame.iter_rows(named=True):
        domain = row.get("domain")
        pk = by_domain.get(domain) if domain else None
        pk = pk or by_name.get(row["name"].lower())
        key = domain or row["name"].lower()
        if pk is None and key in seen:
            pk = seen[key]
        values = {name: row[name] for name in present if row[name] is not None}
        if row["owner_id"] is not None:
            values["owner_id"] = row["owner_id"]
        if pk is None:
            account = Account.objects.create(**values, created_at=row.get("created_at") or run.now)
            seen[key] = account.pk
            if domain:
                by_domain[domain] = account.pk
            run.summary.add("created")
            continue
        if pk not in stored:
            stored[pk] = Account.objects.values(*FIELDS, "owner_id").get(pk=pk)
        current = stored[pk]
        changes = {name: value for name, value in values.items() if current[name] != value}
        if not changes:
            run.summary.add("unchanged")
            continue
        Account.objects.filter(pk=pk).update(**changes)
        current.update(changes)
        run.summary.add("updated")
    return errors
