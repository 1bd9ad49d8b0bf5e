"""The compensation export: per rep and period, the SLA scorecard's counts and what they
earn under the compensation policy — a reward per hand-off followed up on time, a penalty
per hand-off ignored, a bonus per won lead that marketing had handed over — as payroll
reads it.

The counts are the scorecard's (`sla.judged_result`: one outcome per hand-off, judged by
the end of the period); the money comes from the append-only policy versions. A hand-off
is paid under the version in force on the UTC day its SLA clock started, a win under the
version in force on the day it was won: the latest `effective_from` on or before that day,
and of several from the same day the one added last. Hand-offs and wins before the first
version earn nothing, and each row says how many there were (`without_policy`).

A **won marketing lead** is a stage event to `customer` in the period, of a lead that had
an earlier stage event to `mql`, not moved out of `customer` again (a reopened deal) by a
later stage event before the period's end. It is credited to the owner of the deal that
the event names (`data["opportunity"]`).

Money is counted in whole cents (integers) and given as Decimals with two places.
"""

import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import BigIntegerField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from accord.core.bulk import UTC_DATETIME, frame_of, values_in
from accord.core.errors import InvalidInput
from accord.core.text import parse_amount
from accord.crm.models import LeadEvent, Opportunity, Stage
from accord.people.models import Role, User
from accord.reports import policies
from accord.reports.models import CompensationPolicy, default_currency
from accord.reports.selectors import period_bounds
from accord.reports.sla import OUTCOMES, judged_result, result_names
from accord.routing.models import SlaClock

AMOUNT_LIMIT = Decimal("1e9")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
COUNTS = ("handed_over", *OUTCOMES, "won")
AMOUNTS = ("reward", "penalty", "bonus", "total")


# --- the policy ---------------------------------------------------------------------------


def _amount(value: Any, field: str) -> Decimal:
    return parse_amount(value, field=field, below=AMOUNT_LIMIT)


def _currency(value: Any) -> str:
    code = default_currency() if value is None or str(value).strip() == "" else str(value).strip().upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise InvalidInput(
            f"'{value}' is not a currency: give its three-letter ISO 4217 code, e.g. EUR.", field="currency"
        )
    return code


def _day(value: Any) -> date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not a date: refused below
            value = date.fromisoformat(value.strip())
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput("Give the first day the version applies to, as YYYY-MM-DD.", field="effective_from")
    return value


def policy_create(
    *,
    acting_user: User,
    reward_on_time: Any,
    penalty_ignored: Any,
    bonus_won: Any,
    effective_from: Any,
    currency: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> CompensationPolicy:
    """Add a version of the compensation policy (admins and executives). Versions are never
    changed: to correct one, add another from the same day — the one added last applies."""
    policies.require_can_set_compensation_policy(acting_user)
    values = {
        "reward_on_time": _amount(reward_on_time, "reward_on_time"),
        "penalty_ignored": _amount(penalty_ignored, "penalty_ignored"),
        "bonus_won": _amount(bonus_won, "bonus_won"),
        "currency": _currency(currency),
        "effective_from": _day(effective_from),
        "note": (note or "").strip(),
    }
    return CompensationPolicy.objects.create(**values, created_by=acting_user, created_at=at or timezone.now())


def policy_history() -> QuerySet[CompensationPolicy]:
    """Every version, the one added last first."""
    return CompensationPolicy.objects.select_related("created_by").order_by("-created_at", "-id")


def policy_history_for(*, acting_user: User) -> QuerySet[CompensationPolicy]:
    policies.require_can_read_compensation(acting_user)
    return policy_history()


def policy_as_dict(policy: CompensationPolicy) -> dict:
    return {
        "id": policy.pk,
        "reward_on_time": str(policy.reward_on_time),
        "penalty_ignored": str(policy.penalty_ignored),
        "bonus_won": str(policy.bonus_won),
        "currency": policy.currency,
        "effective_from": policy.effective_from.isoformat(),
        "note": policy.note,
        "created_by": policy.created_by.email,
        "created_at": policy.created_at.isoformat(),
    }


# --- the report ---------------------------------------------------------------------------


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


@dataclass(slots=True)
class CompensationRow:
    rep: str  # the rep's name, or email; "All" for the total
    rep_id: int | None
    email: str
    counts: dict[str, int]
    reward_cents: int = 0
    penalty_cents: int = 0
    bonus_cents: int = 0
    policy_versions: list[int] = field(default_factory=list)
    without_policy: int = 0  # hand-offs and wins before the first version, paid nothing

    @property
    def amounts(self) -> dict[str, Decimal]:
        total = self.reward_cents - self.penalty_cents + self.bonus_cents
        return {
            "reward": _money(self.reward_cents),
            "penalty": _money(self.penalty_cents),
            "bonus": _money(self.bonus_cents),
            "total": _money(total),
        }

    def as_dict(self) -> dict:
        return {
            "rep": self.rep,
            "rep_id": self.rep_id,
            "email": self.email,
            **self.counts,
            **{name: str(value) for name, value in self.amounts.items()},
            "policy_versions": self.policy_versions,
            "without_policy": self.without_policy,
        }


@dataclass(slots=True)
class CompensationReport:
    date_from: date
    date_to: date
    currency: str
    rows: list[CompensationRow]
    versions: dict[int, CompensationPolicy]  # every version the report could use, by id

    @property
    def total(self) -> CompensationRow:
        """The rows added up (a rep's total is their own row)."""
        total = CompensationRow("All", None, "", {name: sum(row.counts[name] for row in self.rows) for name in COUNTS})
        for row in self.rows:
            total.reward_cents += row.reward_cents
            total.penalty_cents += row.penalty_cents
            total.bonus_cents += row.bonus_cents
            total.without_policy += row.without_policy
        total.policy_versions = sorted({pk for row in self.rows for pk in row.policy_versions})
        return total

    @property
    def policies(self) -> list[CompensationPolicy]:
        """The versions the rows were paid under, by the day they apply from."""
        used = self.total.policy_versions
        return sorted((self.versions[pk] for pk in used), key=lambda v: (v.effective_from, v.created_at, v.pk))

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "currency": self.currency,
            "rows": [row.as_dict() for row in self.rows],
            "total": self.total.as_dict(),
            "policies": [policy_as_dict(policy) for policy in self.policies],
        }


VERSION_SCHEMA = {
    "policy": pl.Int64,
    "effective_from": pl.Date,
    "reward_on_time": pl.Int64,
    "penalty_ignored": pl.Int64,
    "bonus_won": pl.Int64,
}


def _in_force(versions: list[CompensationPolicy]) -> pl.DataFrame:
    """Per `effective_from` day, the version that applies from it (amounts in cents): of
    several from one day, the one added last."""
    ordered = sorted(versions, key=lambda v: (v.effective_from, v.created_at, v.pk))
    rows = [
        (v.pk, v.effective_from, _cents(v.reward_on_time), _cents(v.penalty_ignored), _cents(v.bonus_won))
        for v in ordered
    ]
    frame = pl.DataFrame(rows, schema=VERSION_SCHEMA, orient="row")
    return frame.unique("effective_from", keep="last", maintain_order=True)


def _with_version(frame: pl.DataFrame, at: str, in_force: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the version in force on the UTC day of its column `at`."""
    return (
        frame.with_columns(pl.col(at).dt.date().alias("_day"))
        .sort("_day")
        .join_asof(in_force, left_on="_day", right_on="effective_from", strategy="backward")
        .drop("_day", "effective_from")
    )


def won_marketing_leads(start: datetime, end: datetime) -> pl.DataFrame:
    """One row per win in [start, end) that counts (see the module's docstring): the event,
    the lead (`key`), when, and the rep credited (`rep_id`, null if the deal has no owner).
    Both conditions are subqueries on the events' (lead, occurred_at) index."""
    same_lead = {"lead_id": OuterRef("lead_id"), "kind": LeadEvent.Kind.STAGE}
    handed_over_before = LeadEvent.objects.filter(
        **same_lead, to_stage=Stage.MQL, occurred_at__lte=OuterRef("occurred_at")
    )
    # Only a reopened deal moves a lead out of `customer` (back to sql).
    taken_back = LeadEvent.objects.filter(**same_lead, from_stage=Stage.CUSTOMER, occurred_at__lt=end).filter(
        Q(occurred_at__gt=OuterRef("occurred_at")) | Q(occurred_at=OuterRef("occurred_at"), id__gt=OuterRef("id"))
    )
    wins = frame_of(
        LeadEvent.objects.filter(
            kind=LeadEvent.Kind.STAGE, to_stage=Stage.CUSTOMER, occurred_at__gte=start, occurred_at__lt=end
        )
        .filter(Exists(handed_over_before))
        .exclude(Exists(taken_back))
        .order_by()
        .values_list("id", "lead_id", "occurred_at", "data__opportunity"),
        ["event", "key", "at", "deal"],
        {"event": pl.Int64, "key": pl.Int64, "at": UTC_DATETIME, "deal": pl.Int64},
    )
    owners = frame_of(
        Opportunity.objects.filter(pk__in=values_in(wins["deal"].drop_nulls().unique().to_list()))
        .order_by()
        .values_list("id", "owner_id"),
        ["deal", "rep_id"],
        {"deal": pl.Int64, "rep_id": pl.Int64},
    )
    return wins.join(owners, on="deal", how="left").sort("at", "event")


def _paid_handoffs(start: datetime, end: datetime, in_force: pl.DataFrame) -> pl.DataFrame:
    """The hand-offs of [start, end) counted by the database: per rep, `result` and version
    in force (`policy`, null before the first), how many (`n`) — the version picked as
    `_with_version` does, the latest `effective_from` on or before the UTC day the clock
    started, i.e. the latest whose first midnight (UTC) is not after the start — with the
    version's amounts."""
    since = [
        (pk, datetime.combine(day, time.min, tzinfo=UTC))
        for pk, day in in_force.select("policy", "effective_from").rows()
    ]
    policy = Case(
        *(When(started_at__gte=midnight, then=Value(pk)) for pk, midnight in reversed(since)),
        default=None,
        output_field=BigIntegerField(),
    )
    counts = frame_of(
        SlaClock.objects.filter(started_at__gte=start, started_at__lt=end)
        .order_by()
        .annotate(result=judged_result(end), policy=policy)
        .values("rep_id", "result", "policy")
        .annotate(n=Count("id"))
        .values_list("rep_id", "result", "policy", "n"),
        ["rep_id", "result", "policy", "n"],
        {"rep_id": pl.Int64, "result": pl.Int64, "policy": pl.Int64, "n": pl.Int64},
    )
    return counts.with_columns(result_names()).join(in_force.drop("effective_from"), on="policy", how="left")


def _per_rep(frame: pl.DataFrame, *aggregates: pl.Expr) -> dict[int, dict]:
    """Per rep: `aggregates`, the versions used and how many had none (rows counted `n`
    times)."""
    grouped = (
        frame.filter(pl.col("rep_id").is_not_null())
        .group_by("rep_id")
        .agg(
            *aggregates,
            pl.col("policy").drop_nulls().unique().sort().alias("policy_versions"),
            pl.col("n").filter(pl.col("policy").is_null()).sum().alias("without_policy"),
        )
    )
    return {row.pop("rep_id"): row for row in grouped.iter_rows(named=True)}


def compensation_report(*, date_from: date, date_to: date) -> CompensationReport:
    """Per rep, the hand-offs of [date_from, date_to] (UTC days) and their outcomes, the
    won marketing leads, and what they earn. Every active sales rep has a row — zeros for
    a rep on leave — and so does anyone else a hand-off or a win of the period names."""
    start, end = period_bounds(date_from, date_to)
    versions = {v.pk: v for v in CompensationPolicy.objects.filter(effective_from__lte=date_to)}
    in_force = _in_force(list(versions.values()))
    # Per rep, outcome and version is all the pay needs of the hand-offs.
    handoffs = _paid_handoffs(start, end, in_force)
    wins = _with_version(won_marketing_leads(start, end), "at", in_force).with_columns(n=pl.lit(1, pl.Int64))

    n = pl.col("n")
    paid = _per_rep(
        handoffs,
        n.sum().alias("handed_over"),
        *(n.filter(pl.col("result") == name).sum().alias(name) for name in OUTCOMES),
        pl.when(pl.col("result") == "on_time").then(pl.col("reward_on_time") * n).otherwise(0).sum().alias("reward"),
        pl.when(pl.col("result") == "ignored").then(pl.col("penalty_ignored") * n).otherwise(0).sum().alias("penalty"),
    )
    won = _per_rep(wins, n.sum().alias("won"), pl.col("bonus_won").fill_null(0).sum().alias("bonus"))

    ids = {*paid, *won, *User.objects.filter(role=Role.SALES_REP, is_active=True).values_list("pk", flat=True)}
    rows = []
    for user in User.objects.filter(pk__in=ids):
        mine, wins_of = paid.get(user.pk, {}), won.get(user.pk, {})
        rows.append(
            CompensationRow(
                rep=user.get_full_name() or user.email,
                rep_id=user.pk,
                email=user.email,
                counts={name: mine.get(name, 0) for name in COUNTS[:-1]} | {"won": wins_of.get("won", 0)},
                reward_cents=mine.get("reward") or 0,
                penalty_cents=mine.get("penalty") or 0,
                bonus_cents=wins_of.get("bonus") or 0,
                policy_versions=sorted({*mine.get("policy_versions", []), *wins_of.get("policy_versions", [])}),
                without_policy=mine.get("without_policy", 0) + wins_of.get("without_policy", 0),
            )
        )
    rows.sort(key=lambda row: (row.rep.casefold(), row.email))

    used = {versions[pk].currency for row in rows for pk in row.policy_versions}
    if len(used) > 1:
        raise InvalidInput(
            f"The period is paid in {' and '.join(sorted(used))}, which cannot be added up: "
            "report the days before and after the change of currency apart.",
            field="to",
        )
    latest = in_force["policy"][-1] if in_force.height else None
    currency = used.pop() if used else (versions[latest].currency if latest is not None else default_currency())
    return CompensationReport(date_from=date_from, date_to=date_to, currency=currency, rows=rows, versions=versions)


def compensation_report_for(*, acting_user: User, date_from: date, date_to: date) -> CompensationReport:
    """The report for a person (see `reports.policies`): every rep for admins and
    executives, the reps of their teams for a sales manager, a rep's own row for a rep —
    and the total of the rows they read. Marketing reads none (403)."""
    policies.require_can_read_compensation(acting_user)
    report = compensation_report(date_from=date_from, date_to=date_to)
    readable = policies.compensation_rep_ids(acting_user)
    if readable is not None:
        report.rows = [row for row in report.rows if row.rep_id in readable]
    return report


# The payroll file: one flat row per rep (web and command line alike).
ROW_COLUMNS = (
    "rep_email", "rep", "rep_id", *COUNTS, *AMOUNTS, "currency", "policy_versions", "without_policy",
)  # fmt: skip


def report_rows(report: CompensationReport) -> list[tuple]:
    return [
        (
            row.email,
            row.rep,
            row.rep_id,
            *(row.counts[name] for name in COUNTS),
            *row.amounts.values(),
            report.currency,
            row.policy_versions,
            row.without_policy,
        )
        for row in report.rows
    ]
