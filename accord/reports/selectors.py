"""Reports read the append-only lead events, never the leads' current stage, so a past
period gives the same answer tomorrow as today."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from accord.core.errors import InvalidInput
from accord.crm.models import Lead, LeadEvent, Stage

FUNNEL_STEPS = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.CUSTOMER)
SIDE_EXITS = (Stage.RECYCLED, Stage.DISQUALIFIED)
FUNNEL_GROUPS = {"source": "source", "campaign": "campaign__code"}
NONE_LABEL = "(none)"


@dataclass(slots=True)
class FunnelRow:
    group: str
    leads: int
    reached: dict[str, int]
    exits: dict[str, int]
    conversion: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "leads": self.leads,
            **self.reached,
            **self.exits,
            "conversion": self.conversion,
        }


def rate(numerator: int, denominator: int) -> float | None:
    """A share to four decimals, as every report gives it; None where nothing was counted."""
    return round(numerator / denominator, 4) if denominator else None


def _conversions(leads: int, reached: dict[str, int]) -> dict[str, float | None]:
    names = ["lead", *FUNNEL_STEPS]
    counts = [leads, *(reached[s] for s in FUNNEL_STEPS)]
    rates = {f"{a}_to_{b}": rate(cb, ca) for a, b, ca, cb in zip(names, names[1:], counts, counts[1:], strict=False)}
    rates["lead_to_customer"] = rate(reached[Stage.CUSTOMER], leads)
    return rates


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'.", field="to")
    start = datetime.combine(date_from, time.min, tzinfo=timezone.UTC)
    return start, datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=timezone.UTC)


def funnel_report(*, date_from: date, date_to: date, by: str | None = None) -> list[FunnelRow]:
    """Cohort funnel: the leads created in [date_from, date_to] (UTC days, inclusive), and how
    many of them have ever reached each stage — or a later one, since converting an MQL
    accepts it on the way. Rows per group, then a total row named "All"."""
    if by is not None and by not in FUNNEL_GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(FUNNEL_GROUPS)}.", field="by")
    start, end = period_bounds(date_from, date_to)
    cohort = Lead.objects.filter(created_at__gte=start, created_at__lt=end)

    def reached(stages) -> Exists:
        return Exists(LeadEvent.objects.filter(lead=OuterRef("pk"), to_stage__in=stages))

    counts = {"leads": Count("id")}
    for i, stage in enumerate(FUNNEL_STEPS):
        counts[stage] = Count("id", filter=Q(reached(FUNNEL_STEPS[i:])))
    for stage in SIDE_EXITS:
        counts[stage] = Count("id", filter=Q(reached([stage])))

    def row(group: str, values: dict) -> FunnelRow:
        reached_counts = {s.value: values[s] for s in FUNNEL_STEPS}
        return FunnelRow(
            group=group,
            leads=values["leads"],
            reached=reached_counts,
            exits={s.value: values[s] for s in SIDE_EXITS},
            conversion=_conversions(values["leads"], reached_counts),
        )

    rows = []
    if by:
        key = FUNNEL_GROUPS[by]
        grouped = cohort.values(group=F(key)).annotate(**counts).order_by("-leads", "group")
        rows = [row(values["group"] or NONE_LABEL, values) for values in grouped]
    rows.append(row("All", cohort.aggregate(**counts)))
    return rows
