"""Scoring and qualification of one lead under one definition version — pure functions.

fit         sum of the points of matching fit rules
engagement  sum over touchpoints of points × 0.5 ** (age_days / half_life_days)
negative    sum of the (negative) points of matching negative rules, added to the total
total       fit + engagement + negative

A lead qualifies (MQL) when no knockout rule matches and either
  - it has a fast-track touchpoint (e.g. a demo request), or
  - total ≥ the MQL threshold, fit ≥ fit_min, engagement ≥ engagement_min, and every
    sales-ready requirement is present.
Every step is written down in `Explanation`, which is what "why is this an MQL?" shows.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.definitions.document import Condition, DefinitionDocument, Op

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class TouchpointFact:
    type: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class RuleResult:
    kind: str  # "fit", "engagement", "negative"
    rule: str
    points: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rule": self.rule, "points": self.points, "detail": self.detail}


@dataclass(slots=True)
class Explanation:
    fit: float
    engagement: float
    negative: float
    qualified: bool
    reasons: list[str]
    rules: list[RuleResult] = field(default_factory=list)
    requirements: dict[str, bool] = field(default_factory=dict)
    fast_track: str | None = None
    knockout: str | None = None
    threshold: float = 0.0

    @property
    def total(self) -> float:
        return round(self.fit + self.engagement + self.negative, 2)

    def as_dict(self) -> dict[str, Any]:
        return {
            "qualified": self.qualified,
            "reasons": self.reasons,
            "rules": [rule.as_dict() for rule in self.rules],
            "requirements": self.requirements,
            "fast_track": self.fast_track,
            "knockout": self.knockout,
            "threshold": self.threshold,
        }


def _present(value: Any) -> bool:
    return value is not None and value != "" and value is not False


def condition_matches(condition: Condition, attributes: Mapping[str, Any]) -> bool:
    value = attributes.get(condition.field)
    target = condition.value
    match condition.op:
        case Op.PRESENT:
            return _present(value)
        case Op.ABSENT:
            return not _present(value)
    if value is None or value == "":
        # A missing attribute satisfies only the negative comparisons.
        return condition.op in (Op.NEQ, Op.NOT_IN)
    match condition.op:
        case Op.EQ:
            return _casefold(value) == _casefold(target)
        case Op.NEQ:
            return _casefold(value) != _casefold(target)
        case Op.IN:
            return _casefold(value) in {_casefold(item) for item in target}
        case Op.NOT_IN:
            return _casefold(value) not in {_casefold(item) for item in target}
        case Op.CONTAINS:
            return str(target).casefold() in str(value).casefold()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    match condition.op:
        case Op.GT:
            return number > target
        case Op.GTE:
            return number >= target
        case Op.LT:
            return number < target
        case Op.LTE:
            return number <= target
    raise AssertionError(f"unhandled operator {condition.op}")


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def decayed(points: float, age_seconds: float, half_life_days: float) -> float:
    """Points of one touchpoint `age_seconds` old; touchpoints dated in the future count in full."""
    age_days = max(age_seconds, 0.0) / SECONDS_PER_DAY
    return points * 0.5 ** (age_days / half_life_days)


def score_lead(
    document: DefinitionDocument,
    attributes: Mapping[str, Any],
    touchpoints: Iterable[TouchpointFact],
    *,
    now: datetime,
) -> Explanation:
    rules: list[RuleResult] = []

    fit = 0.0
    for rule in document.fit_rules:
        if condition_matches(rule.when, attributes):
            fit += rule.points
            rules.append(RuleResult("fit", rule.name, rule.points))

    negative = 0.0
    knockout = None
    for rule in document.negative_rules:
        if condition_matches(rule.when, attributes):
            negative += rule.points
            rules.append(RuleResult("negative", rule.name, rule.points, "knockout" if rule.knockout else ""))
            if rule.knockout and knockout is None:
                knockout = rule.name

    by_type: dict[str, list[datetime]] = defaultdict(list)
    for touchpoint in touchpoints:
        by_type[touchpoint.type].append(touchpoint.occurred_at)

    engagement = 0.0
    for rule in document.engagement_rules:
        moments = sorted(by_type.get(rule.type, ()), reverse=True)[: rule.max_count]
        if not moments:
            continue
        points = sum(decayed(rule.points, (now - moment).total_seconds(), rule.half_life_days) for moment in moments)
        engagement += points
        rules.append(
            RuleResult(
                "engagement",
                rule.type,
                round(points, 2),
                f"{len(moments)} × {rule.points:g} pts, half-life {rule.half_life_days:g} days",
            )
        )

    fit, engagement, negative = round(fit, 2), round(engagement, 2), round(negative, 2)
    explanation = Explanation(
        fit=fit,
        engagement=engagement,
        negative=negative,
        qualified=False,
        reasons=[],
        rules=rules,
        threshold=document.thresholds.mql,
        knockout=knockout,
    )
    _qualify(document, attributes, by_type, explanation)
    return explanation


def _qualify(
    document: DefinitionDocument,
    attributes: Mapping[str, Any],
    by_type: Mapping[str, list[datetime]],
    explanation: Explanation,
) -> None:
    reasons = explanation.reasons
    thresholds = document.thresholds
    requirements = document.requirements

    if requirements.contact:
        has_name = _present(attributes.get("first_name")) or _present(attributes.get("last_name"))
        reachable = _present(attributes.get("company")) or _present(attributes.get("phone"))
        explanation.requirements["contact"] = has_name and reachable
    for name in requirements.required_fields():
        explanation.requirements[name] = _present(attributes.get(name))

    if explanation.knockout:
        reasons.append(f"Excluded by rule: {explanation.knockout}")
        return

    fast = next((kind for kind in document.fast_track_types if by_type.get(kind)), None)
    if fast:
        explanation.fast_track = fast
        explanation.qualified = True
        reasons.append(f"Fast track: {fast.replace('_', ' ')}")
        reasons.append(f"Score {explanation.total:g} (fit {explanation.fit:g}, engagement {explanation.engagement:g})")
        return

    checks = [_at_least("Score", explanation.total, thresholds.mql, "MQL threshold")]
    if thresholds.fit_min:
        checks.append(_at_least("Fit", explanation.fit, thresholds.fit_min, "minimum"))
    if thresholds.engagement_min:
        checks.append(_at_least("Engagement", explanation.engagement, thresholds.engagement_min, "minimum"))
    for name, present in explanation.requirements.items():
        checks.append((present, f"{name.capitalize()} {'known' if present else 'missing'}"))

    explanation.qualified = all(ok for ok, _ in checks)
    reasons.extend(text for _, text in checks)


def _at_least(what: str, value: float, limit: float, limit_name: str) -> tuple[bool, str]:
    ok = value >= limit
    return ok, f"{what} {value:g} {'≥' if ok else '<'} {limit_name} {limit:g}"
