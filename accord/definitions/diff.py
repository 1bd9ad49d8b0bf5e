"""Two versions of a lead definition compared in plain words, for the leaders who sign them.

Each difference that can change who qualifies becomes one `Change`, e.g.
`fit: "Company of 50+ employees" (company_size ≥ 50) now +15, was +10`. A rule keeps its
identity across versions when it keeps its label (both non-empty), or else its condition;
a rule found in neither way was added or removed. Rule order, and the order or repetition
of fast-track types and reason codes, decide nothing a reader would care about, so they
are not reported.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from accord.definitions.document import (
    STAGE_FIELDS,
    DefinitionDocument,
    EngagementRule,
    FitRule,
    NegativeRule,
)

Section = Literal["fit", "engagement", "negative", "requirements", "thresholds", "fast track", "sla", "reason codes"]
Kind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    section: Section
    kind: Kind
    text: str


# --- numbers ----------------------------------------------------------------------------


def _number(value: float, *, precise: bool = False) -> str:
    # `+ 0` turns -0.0 into 0.0; `precise` is the shortest exact form, for two values
    # that differ but read the same at `:g`'s six digits.
    value = value + 0
    return repr(float(value)) if precise else f"{value:g}"


def _signed(points: float, *, precise: bool = False) -> str:
    # Zero gets its sign too: "title contains student 0" would read as part of the condition.
    text = _number(points, precise=precise)
    return text if points < 0 else f"+{text}"


def _quantity(value: float, unit: str, *, precise: bool = False) -> str:
    text = _number(value, precise=precise)
    return f"{text} {unit}" if text in ("1", "-1") else f"{text} {unit}s"


def _now_was(old, new, render: Callable[..., str]) -> str:
    now, was = render(new), render(old)
    if now == was:
        now, was = render(new, precise=True), render(old, precise=True)
    return f"now {now}, was {was}"


# --- rules --------------------------------------------------------------------------------

type Rule = FitRule | NegativeRule


def _rule_name(rule: Rule) -> str:
    condition = rule.when.describe()
    return f'"{rule.label}" ({condition})' if rule.label else condition


def _rule_line(rule: Rule) -> str:
    line = f"{_rule_name(rule)} {_signed(rule.points)}"
    return f"{line}, knockout" if getattr(rule, "knockout", False) else line


def _rule_change(old: Rule, new: Rule) -> str:
    same_condition = old.when == new.when
    # Matched by label when the condition changed, so the label alone names the rule.
    subject = _rule_name(old) if same_condition else f'"{old.label}"'
    clauses = []
    if old.label != new.label:
        if old.label and new.label:
            clauses.append(f'renamed "{new.label}"')
        else:
            clauses.append(f'now labelled "{new.label}"' if new.label else "no longer labelled")
    if not same_condition or old.points != new.points:

        def terms(rule: Rule, *, precise: bool = False) -> str:
            words = [] if same_condition else [rule.when.describe()]
            if old.points != new.points:
                words.append(_signed(rule.points, precise=precise))
            return " ".join(words)

        clauses.append(_now_was(old, new, terms))
    old_knockout, new_knockout = getattr(old, "knockout", False), getattr(new, "knockout", False)
    if old_knockout != new_knockout:
        clauses.append("is now a knockout" if new_knockout else "is no longer a knockout")
    return f"{subject} {'; '.join(clauses)}"


def _match[R: Rule](old: Sequence[R], new: Sequence[R]) -> tuple[list[tuple[R, R | None]], list[R]]:
    """Pair each old rule with a new one: an identical rule first (so a mere reordering
    reads as no change), then the same non-empty label, then the same condition."""
    partner: dict[int, int] = {}
    taken: set[int] = set()
    criteria: tuple[Callable[[R, R], bool], ...] = (
        lambda a, b: a == b,
        lambda a, b: bool(a.label) and a.label == b.label,
        lambda a, b: a.when == b.when,
    )
    for same in criteria:
        for i, rule in enumerate(old):
            if i in partner:
                continue
            j = next((j for j, candidate in enumerate(new) if j not in taken and same(rule, candidate)), None)
            if j is not None:
                partner[i] = j
                taken.add(j)
    pairs = [(rule, new[partner[i]] if i in partner else None) for i, rule in enumerate(old)]
    return pairs, [rule for j, rule in enumerate(new) if j not in taken]


def _rule_changes(section: Section, old: Sequence[Rule], new: Sequence[Rule]) -> list[Change]:
    pairs, added = _match(old, new)
    changes = []
    for before, after in pairs:
        if after is None:
            changes.append(Change(section, "removed", f"{section}: removed {_rule_line(before)}"))
        elif before != after:
            changes.append(Change(section, "changed", f"{section}: {_rule_change(before, after)}"))
    changes += [Change(section, "added", f"{section}: added {_rule_line(rule)}") for rule in added]
    return changes


def _engagement_terms(rule: EngagementRule, *, precise: bool = False) -> str:
    points = _quantity(rule.points, "pt", precise=precise)
    terms = f"{points}, half-life {_quantity(rule.half_life_days, 'day', precise=precise)}"
    return terms if rule.max_count is None else f"{terms}, at most {rule.max_count} counted"


def _engagement_line(rule: EngagementRule) -> str:
    return f"{rule.type} {_engagement_terms(rule)}"


def _engagement_changes(old: Sequence[EngagementRule], new: Sequence[EngagementRule]) -> list[Change]:
    new_by_type = {rule.type: rule for rule in new}
    old_types = {rule.type for rule in old}
    changes = []
    for rule in old:
        after = new_by_type.get(rule.type)
        if after is None:
            changes.append(Change("engagement", "removed", f"engagement: removed {_engagement_line(rule)}"))
        elif after != rule:
            text = f"engagement: {rule.type} {_now_was(rule, after, _engagement_terms)}"
            changes.append(Change("engagement", "changed", text))
    changes += [
        Change("engagement", "added", f"engagement: added {_engagement_line(rule)}")
        for rule in new
        if rule.type not in old_types
    ]
    return changes


# --- settings -----------------------------------------------------------------------------

_REQUIREMENTS = (("contact", "contact details"), *((name, name) for name in STAGE_FIELDS))


def _requirement_lines(document: DefinitionDocument) -> list[str]:
    return [
        f"{words} {'required' if getattr(document.requirements, name) else 'not required'}"
        for name, words in _REQUIREMENTS
    ]


def _requirement_changes(old: DefinitionDocument, new: DefinitionDocument) -> list[Change]:
    return [
        Change(
            "requirements",
            "changed",
            f"requirements: {words} {'now required' if getattr(new.requirements, name) else 'no longer required'}",
        )
        for name, words in _REQUIREMENTS
        if getattr(old.requirements, name) != getattr(new.requirements, name)
    ]


def _business_hours(value: float, *, precise: bool = False) -> str:
    return _quantity(value, "business hour", precise=precise)


# (section, words, value read from the document, how the value reads)
_SETTINGS: tuple[tuple[Section, str, Callable[[DefinitionDocument], float], Callable[..., str]], ...] = (
    ("thresholds", "MQL threshold", lambda d: d.thresholds.mql, _number),
    ("thresholds", "minimum fit score", lambda d: d.thresholds.fit_min, _number),
    ("thresholds", "minimum engagement score", lambda d: d.thresholds.engagement_min, _number),
    ("sla", "follow-up time", lambda d: d.sla.follow_up_business_hours, _business_hours),
    ("sla", "monthly MQL commitment", lambda d: d.sla.mql_commitment_per_month, _number),
)


def _setting_lines(document: DefinitionDocument, section: Section) -> list[str]:
    return [f"{words} {render(read(document))}" for where, words, read, render in _SETTINGS if where == section]


def _setting_changes(old: DefinitionDocument, new: DefinitionDocument, section: Section) -> list[Change]:
    return [
        Change(section, "changed", f"{section}: {words} {_now_was(read(old), read(new), render)}")
        for where, words, read, render in _SETTINGS
        if where == section and read(old) != read(new)
    ]


def _distinct(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _list_changes(section: Section, old: Sequence[str], new: Sequence[str]) -> list[Change]:
    removed = [name for name in _distinct(old) if name not in new]
    added = [name for name in _distinct(new) if name not in old]
    return [Change(section, "removed", f"{section}: removed {name}") for name in removed] + [
        Change(section, "added", f"{section}: added {name}") for name in added
    ]


# --- the two views ----------------------------------------------------------------------


def document_diff(old: DefinitionDocument, new: DefinitionDocument) -> list[Change]:
    """What changed from `old` to `new`, section by section in document order; within a
    section, old rules in their order, then the new ones. Identical documents give []."""
    return [
        *_rule_changes("fit", old.fit_rules, new.fit_rules),
        *_engagement_changes(old.engagement_rules, new.engagement_rules),
        *_rule_changes("negative", old.negative_rules, new.negative_rules),
        *_requirement_changes(old, new),
        *_setting_changes(old, new, "thresholds"),
        *_list_changes("fast track", old.fast_track_types, new.fast_track_types),
        *_setting_changes(old, new, "sla"),
        *_list_changes("reason codes", old.reason_codes, new.reason_codes),
    ]


def describe_document(document: DefinitionDocument) -> list[tuple[Section, list[str]]]:
    """One version in the words `document_diff` uses: every section, in document order,
    with its lines (an empty list for a section without rules or types)."""
    return [
        ("fit", [_rule_line(rule) for rule in document.fit_rules]),
        ("engagement", [_engagement_line(rule) for rule in document.engagement_rules]),
        ("negative", [_rule_line(rule) for rule in document.negative_rules]),
        ("requirements", _requirement_lines(document)),
        ("thresholds", _setting_lines(document, "thresholds")),
        ("fast track", _distinct(document.fast_track_types)),
        ("sla", _setting_lines(document, "sla")),
        ("reason codes", _distinct(document.reason_codes)),
    ]
