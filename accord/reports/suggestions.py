"""Definition changes the history argues for: segments whose hand-offs sales rejects far
more often than the rest, or never wins while others do, each with the rule that would
stop handing them over and what that rule would have done to the period (a backtest).

A segment is a value of one lead attribute a rule can test — source, campaign, industry,
company-size band, country. It is suggested when at least `min_leads` hand-offs of the
period (as `reports.rejections` counts them) came from it and

- its rejection rate is at least `factor` × the overall rate (and the overall rate is
  above zero), or
- none of its hand-offs was won while some of the period's were.

The change is the active document plus a negative rule worth minus the MQL threshold:
a lead of the segment then needs twice the score to qualify, and a fast track still
passes (it is not a knockout). Applying a suggestion makes it a new draft, to be
proposed and signed like any other.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from accord.core.errors import InvalidInput
from accord.definitions.document import DefinitionDocument, NegativeRule
from accord.definitions.models import LeadDefinition
from accord.definitions.policies import require_can_analyse, require_can_draft
from accord.definitions.selectors import definition_active
from accord.definitions.services import definition_create
from accord.people.models import User
from accord.reports.backtest import backtest_report, history_load
from accord.reports.rejections import NONE_LABEL, SIZE_BANDS, UNKNOWN_SIZE, handoffs_load
from accord.reports.selectors import rate

# Grouping → the lead field its rule tests.
SEGMENT_FIELDS = {
    "source": "source",
    "campaign": "campaign",
    "industry": "industry",
    "company_size": "company_size",
    "country": "country",
}
BACKTEST_FIELDS = ("mql_count", "accepted_rate", "precision", "won_revenue")


def exclusion_condition(by: str, value: str | None) -> dict[str, Any] | None:
    """The condition that matches exactly the leads of the segment, or None when one
    condition cannot (a company-size band with two bounds). A missing value (`None`, or
    the band "unknown") is matched by `absent`."""
    name = SEGMENT_FIELDS[by]
    if value is None or (by == "company_size" and value == UNKNOWN_SIZE):
        return {"field": name, "op": "absent"}
    if by != "company_size":
        return {"field": name, "op": "eq", "value": value}
    low, high = next((low, high) for label, low, high in SIZE_BANDS if label == value)
    if low is None:
        return {"field": name, "op": "lt", "value": high}
    if high is None:
        return {"field": name, "op": "gte", "value": low}
    return None


@dataclass(slots=True)
class Suggestion:
    by: str
    value: str | None  # None: the leads without a value (shown as "(none)")
    triggers: list[str]  # "rejection_rate" and/or "never_won"
    handed_over: int
    rejected: int
    won: int
    overall: dict[str, Any]  # handed_over, rejection_rate, won_rate of the whole period
    rule: dict[str, Any]  # the negative rule added
    document: dict[str, Any]  # the active document with the rule
    based_on_id: int
    before: dict[str, Any] = field(default_factory=dict)  # the active version's backtest
    after: dict[str, Any] = field(default_factory=dict)  # the changed document's backtest
    changes: dict[str, Any] = field(default_factory=dict)  # gained, lost, kept (as backtest_report)

    @property
    def key(self) -> str:
        """Names the suggestion across requests: `<by>:<value>`."""
        return f"{self.by}:{self.value if self.value is not None else NONE_LABEL}"

    @property
    def label(self) -> str:
        return self.rule["label"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "by": self.by,
            "value": self.value,
            "label": self.label,
            "triggers": self.triggers,
            "handed_over": self.handed_over,
            "rejected": self.rejected,
            "rejection_rate": rate(self.rejected, self.handed_over),
            "won": self.won,
            "won_rate": rate(self.won, self.handed_over),
            "overall": self.overall,
            "rule": self.rule,
            "document": self.document,
            "based_on_id": self.based_on_id,
            "before": self.before,
            "after": self.after,
            "changes": self.changes,
        }


def _triggers(
    rejected: int, won: int, count: int, *, overall_rate: float, overall_won: int, factor: float
) -> list[str]:
    triggers = []
    if overall_rate > 0 and rejected / count >= factor * overall_rate:
        triggers.append("rejection_rate")
    if won == 0 and overall_won > 0:
        triggers.append("never_won")
    return triggers


def _with_rule(active: LeadDefinition, rule: dict[str, Any]) -> dict[str, Any] | None:
    """The active document plus `rule`; None when it already has a rule of that condition."""
    document = active.parsed
    condition = NegativeRule.model_validate(rule).when
    if any(existing.when == condition for existing in document.negative_rules):
        return None
    changed = document.model_dump(mode="json")
    changed["negative_rules"].append(rule)
    return DefinitionDocument.model_validate(changed).model_dump(mode="json")


def suggestions(*, date_from: date, date_to: date, min_leads: int = 20, factor: float = 1.5) -> list[Suggestion]:
    """The segments of [date_from, date_to] worth excluding, most rejections first, each
    with its backtest against the active version over the period."""
    active = definition_active()
    if active is None:
        return []
    handoffs = handoffs_load(date_from, date_to)
    count, rejected, won = handoffs.height, int(handoffs["rejected"].sum()), int(handoffs["won"].sum())
    if not count:
        return []
    overall_rate = rejected / count
    overall = {"handed_over": count, "rejection_rate": rate(rejected, count), "won_rate": rate(won, count)}
    threshold = active.parsed.thresholds.mql
    found = []
    for by in SEGMENT_FIELDS:
        segments = handoffs.group_by(by).agg(pl.len(), pl.col("rejected").sum(), pl.col("won").sum())
        for value, segment_count, segment_rejected, segment_won in segments.iter_rows():
            if segment_count < min_leads:
                continue
            triggers = _triggers(
                segment_rejected, segment_won, segment_count, overall_rate=overall_rate, overall_won=won, factor=factor
            )
            condition = exclusion_condition(by, value)
            if not triggers or condition is None:
                continue
            rule = NegativeRule.model_validate(
                {
                    "label": f"Suggested: exclude {by} {value if value is not None else NONE_LABEL}",
                    "when": condition,
                    "points": -threshold,
                    "knockout": False,
                }
            ).model_dump(mode="json")
            document = _with_rule(active, rule)
            if document is None:
                continue
            found.append(
                Suggestion(
                    by=by,
                    value=value,
                    triggers=triggers,
                    handed_over=segment_count,
                    rejected=segment_rejected,
                    won=segment_won,
                    overall=overall,
                    rule=rule,
                    document=document,
                    based_on_id=active.pk,
                )
            )
    found.sort(key=lambda s: (-s.rejected, list(SEGMENT_FIELDS).index(s.by), s.key))
    if found:
        _backtest(found, active, date_from=date_from, date_to=date_to)
    return found


def _backtest(found: list[Suggestion], active: LeadDefinition, *, date_from: date, date_to: date) -> None:
    """Each suggestion's document beside the active version, over one loaded history."""
    history = history_load(date_from, date_to)
    for suggestion in found:
        changed = LeadDefinition(document=suggestion.document, version=0, name=suggestion.label)
        report = backtest_report(changed, date_from=date_from, date_to=date_to, against=active, history=history)
        suggestion.before = {name: report["active"][name] for name in BACKTEST_FIELDS}
        suggestion.after = {name: report["version"][name] for name in BACKTEST_FIELDS}
        suggestion.changes = report["changes"]


def suggestion_apply(suggestion: Suggestion, *, acting_user: User, at: datetime | None = None) -> LeadDefinition:
    """One click: the suggested document as a new draft, based on the version it changes."""
    return definition_create(
        document=suggestion.document,
        name=suggestion.label[:200],
        based_on_id=suggestion.based_on_id,
        acting_user=acting_user,
        at=at,
    )


def suggestions_for(
    *, acting_user: User, date_from: date, date_to: date, min_leads: int = 20, factor: float = 1.5
) -> list[Suggestion]:
    """The suggestions for a person: only those who negotiate the definition read them."""
    require_can_analyse(acting_user)
    return suggestions(date_from=date_from, date_to=date_to, min_leads=min_leads, factor=factor)


def suggestion_apply_key(
    *,
    key: str,
    acting_user: User,
    date_from: date,
    date_to: date,
    min_leads: int = 20,
    factor: float = 1.5,
    at: datetime | None = None,
) -> LeadDefinition:
    """Apply the suggestion named `key` among those of the period. A suggestion is not
    stored, so it is worked out again from the same history (checking first that the user
    may draft, as the work is not cheap); a key the period does not suggest is bad input."""
    require_can_draft(acting_user)
    found = suggestions(date_from=date_from, date_to=date_to, min_leads=min_leads, factor=factor)
    chosen = next((suggestion for suggestion in found if suggestion.key == key), None)
    if chosen is None:
        offered = ", ".join(suggestion.key for suggestion in found) or "none"
        raise InvalidInput(f"The period suggests no change '{key}' (suggested: {offered}).", field="key")
    return suggestion_apply(chosen, acting_user=acting_user, at=at)
