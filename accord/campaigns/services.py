"""Recording what campaigns cost, in the append-only ledger `CampaignCost`: one entry at a
time (the cost page, the API, `accord campaign cost`) or a spreadsheet at once (`accord
campaign costs-import`). Everything is checked before the first write, so a refused entry
or file leaves nothing behind.

A correction is a new entry with a negative amount; it may not bring the month's entries
of its campaign below zero. Entries of one campaign are recorded one at a time (a lock on
the campaign's row), so two corrections at once cannot both spend the same total.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accord.campaigns.models import Campaign, CampaignCost
from accord.campaigns.policies import require_can_record_costs
from accord.core.errors import DomainError, InvalidInput, NotFound
from accord.core.text import parse_amount
from accord.imports.reader import CsvSource
from accord.people.models import User

MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")
# Entries are stored with 12 digits, 2 after the point; a month's cost beyond ten billion is a typo.
AMOUNT_LIMIT = Decimal("10000000000")
NOTE_LIMIT = CampaignCost._meta.get_field("note").max_length
FILE_COLUMNS = ("campaign", "month", "amount", "note")
REQUIRED_COLUMNS = ("campaign", "month", "amount")


@dataclass(frozen=True, slots=True)
class CostEntry:
    """One entry, checked and ready to be written."""

    campaign: Campaign
    month: date
    amount: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # the row as a spreadsheet numbers it: the header is row 1
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


class CostFileInvalid(InvalidInput):
    """Rows of a cost file that cannot be recorded, each with its row and field. Nothing of
    the file was written."""

    def __init__(self, problems: list[RowProblem]):
        count = len(problems)
        super().__init__(f"{count} problem{'' if count == 1 else 's'} in the file; nothing was recorded.", field="file")
        self.problems = problems


def month_parse(value: Any, *, field: str = "month") -> date:
    """'YYYY-MM' (or a date on the 1st) → the first day of that month."""
    if isinstance(value, date) and not isinstance(value, datetime):
        if value.day != 1:
            raise InvalidInput("A month is its first day, e.g. 2026-03-01.", field=field)
        return value
    text = str(value if value is not None else "").strip()
    match = MONTH_PATTERN.fullmatch(text)
    if not match:
        raise InvalidInput(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-03.", field=field)
    year, number = int(match[1]), int(match[2])
    if not 1 <= number <= 12 or year < 1900:
        raise InvalidInput(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2026-03.", field=field)
    return date(year, number, 1)


def _amount_parse(value: Any) -> Decimal:
    return parse_amount(value, field="amount", below=AMOUNT_LIMIT, signed=True, nonzero=True)


def _note_clean(value: Any) -> str:
    note = str(value if value is not None else "").strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput(f"At most {NOTE_LIMIT} characters.", field="note")
    return note


def _entry_clean(
    *, campaigns: Mapping[str, Campaign], campaign_code: Any, month: Any, amount: Any, note: Any, today: date
) -> CostEntry:
    """Each field checked in the order a form shows them; the first problem is raised."""
    code = str(campaign_code if campaign_code is not None else "").strip()
    if not code:
        raise InvalidInput("Name the campaign by its code.", field="campaign")
    campaign = campaigns.get(code)
    if campaign is None:
        raise NotFound(f"No campaign with code '{code}'.", field="campaign")
    first_day = month_parse(month)
    if first_day > today.replace(day=1):
        raise InvalidInput(
            f"{first_day:%Y-%m} has not begun; record what a month actually cost once it has.", field="month"
        )
    return CostEntry(campaign=campaign, month=first_day, amount=_amount_parse(amount), note=_note_clean(note))


def _month_totals(entries: list[CostEntry]) -> dict[tuple[int, date], Decimal]:
    """What the stored entries of each (campaign, month) among `entries` add up to: one
    aggregate query, grouped in the database."""
    campaigns = {entry.campaign.pk for entry in entries}
    months = {entry.month for entry in entries}
    totals = (
        CampaignCost.objects.filter(campaign_id__in=campaigns, month__in=months)
        .values_list("campaign_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(campaign_id, month): total for campaign_id, month, total in totals}


def _below_zero(entry: CostEntry, before: Decimal) -> InvalidInput:
    return InvalidInput(
        f"This correction would bring {entry.campaign.code} {entry.month:%Y-%m} to {before + entry.amount:,.2f}; "
        f"its entries add up to {before:,.2f}.",
        field="amount",
    )


def _lock_campaigns(ids: set[int]) -> None:
    """Entries of a campaign are recorded one at a time: a month's total read here stays
    true until the transaction commits."""
    list(Campaign.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def campaign_cost_record(
    *,
    acting_user: User,
    campaign_code: str,
    month: Any,
    amount: Any,
    note: str = "",
    at: datetime | None = None,
) -> CampaignCost:
    """Record what `campaign_code` cost in `month` ('YYYY-MM'): a positive amount, or a
    negative one to correct earlier entries of that month."""
    require_can_record_costs(acting_user)
    at = at or timezone.now()
    code = str(campaign_code or "").strip()
    entry = _entry_clean(
        campaigns={campaign.code: campaign for campaign in Campaign.objects.filter(code=code)},
        campaign_code=code,
        month=month,
        amount=amount,
        note=note,
        today=timezone.localdate(at),
    )
    with transaction.atomic():
        _lock_campaigns({entry.campaign.pk})
        if entry.amount < 0:
            before = _month_totals([entry]).get((entry.campaign.pk, entry.month), Decimal(0))
            if before + entry.amount < 0:
                raise _below_zero(entry, before)
        return CampaignCost.objects.create(
            campaign=entry.campaign,
            month=entry.month,
            amount=entry.amount,
            note=entry.note,
            created_by=acting_user,
            created_at=at,
        )


def _file_columns(header: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in FILE_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"Unknown column '{unknown[0]}'; the columns are {', '.join(FILE_COLUMNS)} (note may be left out).",
            field="file",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise InvalidInput(f"The file has no '{missing[0]}' column.", field="file")
    return columns


def campaign_costs_import(*, acting_user: User, path: str | Path, at: datetime | None = None) -> list[CampaignCost]:
    """Record every row of a CSV file (columns campaign, month, amount and, if wanted,
    note) — or none: all rows are checked first, and any problem refuses the whole file
    with every problem named by row and field (`CostFileInvalid`). Rows are recorded in
    the file's order, so a correction may follow the entry it corrects."""
    require_can_record_costs(acting_user)
    at = at or timezone.now()
    source = CsvSource(path)
    columns = _file_columns(source.header)
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[RowProblem] = []
    for chunk in source.chunks():
        problems.extend(RowProblem(error.line, error.column or "row", error.reason) for error in chunk.errors)
        rows.extend(
            (line, dict(zip(columns, cells, strict=True))) for line, cells in zip(chunk.lines, chunk.rows, strict=True)
        )
    if not rows and not problems:
        raise InvalidInput("The file has no rows under its header.", field="file")
    codes = {values["campaign"].strip() for _, values in rows}
    campaigns = {campaign.code: campaign for campaign in Campaign.objects.filter(code__in=codes)}
    today = timezone.localdate(at)
    entries: list[tuple[int, CostEntry]] = []
    for line, values in rows:
        try:
            entry = _entry_clean(
                campaigns=campaigns,
                campaign_code=values["campaign"],
                month=values["month"],
                amount=values["amount"],
                note=values.get("note", ""),
                today=today,
            )
        except DomainError as error:
            problems.append(RowProblem(line, error.field or "row", error.message))
        else:
            entries.append((line, entry))
    with transaction.atomic():
        _lock_campaigns({entry.campaign.pk for _, entry in entries})
        totals = _month_totals([entry for _, entry in entries])
        for line, entry in entries:
            key = (entry.campaign.pk, entry.month)
            before = totals.get(key, Decimal(0))
            if before + entry.amount < 0:
                problems.append(RowProblem(line, "amount", _below_zero(entry, before).message))
            totals[key] = before + entry.amount
        if problems:
            raise CostFileInvalid(sorted(problems, key=lambda problem: problem.row))
        return CampaignCost.objects.bulk_create(
            CampaignCost(
                campaign=entry.campaign,
                month=entry.month,
                amount=entry.amount,
                note=entry.note,
                created_by=acting_user,
                created_at=at,
            )
            for _, entry in entries
        )
