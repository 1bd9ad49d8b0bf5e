"""Writing a chunk of typed account rows: match on the domain, else on the name (any case),
update what changed (an empty cell never erases), create the rest."""

import string
from collections.abc import Iterable

import polars as pl
from django.db.models import Q
from django.db.models.functions import Lower

from accord.core import bulk
from accord.crm.models import Account
from accord.imports.context import Run
from accord.imports.convert import LINE
from accord.imports.leads import resolve_owners, user_ids
from accord.imports.reader import RowError

FIELDS = ("name", "domain", "industry", "country", "company_size")


def bare_domain(column: pl.Expr) -> pl.Expr:
    """ "https://www.Example.com/about" → "example.com"; nothing left → null."""
    domain = (
        column.str.to_lowercase()
        .str.replace(r"^[a-z][a-z0-9+.-]*://", "")
        .str.replace(r"^www\.", "")
        .str.replace(r"[/?#:].*$", "")
        .str.strip_chars()
    )
    return pl.when(domain != "").then(domain)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def accounts_by_name(names: Iterable[str]) -> dict[str, list[tuple[int, str | None]]]:
    """lower(name) → [(id, domain)] of the stored accounts with one of `names`, in any case,
    oldest first. SQLite's LOWER() folds ASCII letters only, so the names are also looked
    up as it would fold them, and the match is decided here in Python."""
    wanted = {name.lower() for name in names if name}
    if not wanted:
        return {}
    variants = wanted | {_ascii_lower(name) for name in names if name}
    found = (
        Account.objects.annotate(lower_name=Lower("name"))
        .filter(Q(lower_name__in=bulk.values_in(sorted(variants))) | Q(name__in=bulk.values_in(sorted(set(names)))))
        .order_by("pk")
        .values_list("name", "pk", "domain")
    )
    result: dict[str, list[tuple[int, str | None]]] = {}
    for name, pk, domain in found:
        if name.lower() in wanted:
            result.setdefault(name.lower(), []).append((pk, domain))
    return result


def account_match(
    by_domain: dict[str, int], by_name: dict[str, list[tuple[int, str | None]]], name: str, domain: str | None
) -> int | None:
    """The account a row means: the one with its domain; else the oldest with its name —
    but not one that has another domain, which is another company of the same name."""
    if domain and domain in by_domain:
        return by_domain[domain]
    return next((pk for pk, stored in by_name.get(name.lower(), ()) if not domain or stored in (None, domain)), None)


def write_accounts(frame: pl.DataFrame, run: Run) -> list[RowError]:
    errors = resolve_owners(frame, run, "owner")
    frame = frame.filter(~pl.col(LINE).is_in([e.line for e in errors]))
    if frame.height == 0:
        return errors
    if "domain" in frame.columns:
        frame = frame.with_columns(bare_domain(pl.col("domain")).alias("domain"))
    frame = frame.with_columns(user_ids(frame, run).alias("owner_id"))
    present = [name for name in FIELDS if name in frame.columns]
    domains = frame["domain"].drop_nulls().to_list() if "domain" in frame.columns else []
    by_domain = bulk.ids_by(Account, "domain", domains)
    by_name = accounts_by_name(frame["name"].to_list())
    matched = set(by_domain.values()) | {pk for accounts in by_name.values() for pk, _ in accounts}
    stored = (
        {
            row.pop("id"): row
            for row in Account.objects.filter(pk__in=bulk.values_in(sorted(matched))).values("id", *FIELDS, "owner_id")
        }
        if matched
        else {}
    )
    for row in frame.iter_rows(named=True):
        domain = row.get("domain")
        values = {name: row[name] for name in present if row[name] is not None}
        if row["owner_id"] is not None:
            values["owner_id"] = row["owner_id"]
        pk = account_match(by_domain, by_name, row["name"], domain)
        if pk is None:
            account = Account.objects.create(**values, created_at=row.get("created_at") or run.now)
            pk = account.pk
            stored[pk] = {name: getattr(account, name) for name in FIELDS} | {"owner_id": account.owner_id}
            stored[pk]["country"] = account.country.code
            by_name.setdefault(row["name"].lower(), []).append((pk, domain))
            run.summary.add("created")
        else:
            current = stored[pk]
            changes = {name: value for name, value in values.items() if current[name] != value}
            if not changes:
                run.summary.add("unchanged")
                continue
            Account.objects.filter(pk=pk).update(**changes)
            if "domain" in changes and (same_name := by_name.get(current["name"].lower())):
                same_name[:] = [(p, domain if p == pk else d) for p, d in same_name]  # no longer without a domain
            current.update(changes)
            run.summary.add("updated")
        if domain:
            by_domain[domain] = pk
    return errors
