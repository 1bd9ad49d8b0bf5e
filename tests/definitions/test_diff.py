"""`document_diff` tells leaders, in one sentence per difference, what a new version of a
definition changes; `describe_document` shows one version in the same words."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.definitions.diff import Change, describe_document, document_diff
from accord.definitions.document import DefinitionDocument

BIG = {"field": "company_size", "op": "gte", "value": 50}
VP = {"field": "title", "op": "contains", "value": "VP"}
SOFTWARE = {"field": "industry", "op": "in", "value": ["software"]}
STUDENT = {"field": "title", "op": "contains", "value": "student"}


def document(**fields) -> DefinitionDocument:
    return DefinitionDocument.model_validate(fields)


def texts(old: dict, new: dict) -> list[tuple[str, str, str]]:
    return [(c.section, c.kind, c.text) for c in document_diff(document(**old), document(**new))]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            {"fit_rules": [{"when": BIG, "points": 10}]},
            {"fit_rules": [{"when": BIG, "points": 15}]},
            [("fit", "changed", "fit: company_size ≥ 50 now +15, was +10")],
        ),
        (
            {"fit_rules": [{"label": "Company of 50+ employees", "when": BIG, "points": 10}]},
            {"fit_rules": [{"label": "Company of 50+ employees", "when": BIG, "points": 15}]},
            [("fit", "changed", 'fit: "Company of 50+ employees" (company_size ≥ 50) now +15, was +10')],
        ),
        (
            {},
            {"fit_rules": [{"label": "VP", "when": VP, "points": 10}]},
            [("fit", "added", 'fit: added "VP" (title contains VP) +10')],
        ),
        (
            {"fit_rules": [{"when": VP, "points": 2.5}]},
            {},
            [("fit", "removed", "fit: removed title contains VP +2.5")],
        ),
        (
            {"fit_rules": [{"label": "Target industry", "when": SOFTWARE, "points": 10}]},
            {
                "fit_rules": [
                    {
                        "label": "Target industry",
                        "when": {"field": "industry", "op": "in", "value": ["software", "healthcare"]},
                        "points": 10,
                    }
                ]
            },
            [
                (
                    "fit",
                    "changed",
                    'fit: "Target industry" now industry in software, healthcare, was industry in software',
                )
            ],
        ),
        (
            {"fit_rules": [{"label": "Target industry", "when": SOFTWARE, "points": 10}]},
            {"fit_rules": [{"label": "Target industry", "when": BIG, "points": 0}]},
            [("fit", "changed", 'fit: "Target industry" now company_size ≥ 50 +0, was industry in software +10')],
        ),
        (
            {"fit_rules": [{"when": BIG, "points": 10}]},
            {"fit_rules": [{"label": "Big", "when": BIG, "points": 10}]},
            [("fit", "changed", 'fit: company_size ≥ 50 now labelled "Big"')],
        ),
        (
            {"fit_rules": [{"label": "Big", "when": BIG, "points": 10}]},
            {"fit_rules": [{"when": BIG, "points": 10}]},
            [("fit", "changed", 'fit: "Big" (company_size ≥ 50) no longer labelled')],
        ),
        (
            {"fit_rules": [{"when": BIG, "points": 0.1}]},
            {"fit_rules": [{"when": BIG, "points": 0.1000001}]},
            [("fit", "changed", "fit: company_size ≥ 50 now +0.1000001, was +0.1")],
        ),
        (
            {"engagement_rules": [{"type": "webinar", "points": 15}]},
            {"engagement_rules": [{"type": "webinar", "points": 20}]},
            [
                (
                    "engagement",
                    "changed",
                    "engagement: webinar now 20 pts, half-life 30 days, was 15 pts, half-life 30 days",
                )
            ],
        ),
        (
            {"engagement_rules": [{"type": "page_view", "points": 1, "half_life_days": 7}]},
            {"engagement_rules": [{"type": "page_view", "points": 1, "half_life_days": 1, "max_count": 3}]},
            [
                (
                    "engagement",
                    "changed",
                    "engagement: page_view now 1 pt, half-life 1 day, at most 3 counted, was 1 pt, half-life 7 days",
                )
            ],
        ),
        (
            {"engagement_rules": [{"type": "webinar", "points": 15}]},
            {"engagement_rules": [{"type": "call", "points": 5, "half_life_days": 0.5, "max_count": 1}]},
            [
                ("engagement", "removed", "engagement: removed webinar 15 pts, half-life 30 days"),
                ("engagement", "added", "engagement: added call 5 pts, half-life 0.5 days, at most 1 counted"),
            ],
        ),
        (
            {"negative_rules": [{"label": "Student", "when": STUDENT, "points": -50}]},
            {"negative_rules": [{"label": "Student", "when": STUDENT, "points": -50, "knockout": True}]},
            [("negative", "changed", 'negative: "Student" (title contains student) is now a knockout')],
        ),
        (
            {"negative_rules": [{"label": "Student", "when": STUDENT, "points": -40, "knockout": True}]},
            {"negative_rules": [{"label": "Student", "when": STUDENT, "points": -50}]},
            [
                (
                    "negative",
                    "changed",
                    'negative: "Student" (title contains student) now -50, was -40; is no longer a knockout',
                )
            ],
        ),
        (
            {},
            {"negative_rules": [{"label": "Student", "when": STUDENT, "points": -50, "knockout": True}]},
            [("negative", "added", 'negative: added "Student" (title contains student) -50, knockout')],
        ),
        (
            {"negative_rules": [{"when": STUDENT, "points": 0}]},
            {},
            [("negative", "removed", "negative: removed title contains student +0")],
        ),
        (
            {"requirements": {"contact": True, "budget": False}},
            {"requirements": {"contact": False, "budget": True}},
            [
                ("requirements", "changed", "requirements: contact details no longer required"),
                ("requirements", "changed", "requirements: budget now required"),
            ],
        ),
        (
            {"thresholds": {"mql": 50, "fit_min": 0, "engagement_min": 0}},
            {"thresholds": {"mql": 60, "fit_min": 12.5, "engagement_min": -5}},
            [
                ("thresholds", "changed", "thresholds: MQL threshold now 60, was 50"),
                ("thresholds", "changed", "thresholds: minimum fit score now 12.5, was 0"),
                ("thresholds", "changed", "thresholds: minimum engagement score now -5, was 0"),
            ],
        ),
        (
            {"fast_track_types": ["demo_request", "meeting"]},
            {"fast_track_types": ["webinar", "demo_request"]},
            [
                ("fast track", "removed", "fast track: removed meeting"),
                ("fast track", "added", "fast track: added webinar"),
            ],
        ),
        (
            {"sla": {"follow_up_business_hours": 4, "mql_commitment_per_month": 150}},
            {"sla": {"follow_up_business_hours": 1, "mql_commitment_per_month": 200}},
            [
                ("sla", "changed", "sla: follow-up time now 1 business hour, was 4 business hours"),
                ("sla", "changed", "sla: monthly MQL commitment now 200, was 150"),
            ],
        ),
        (
            {"reason_codes": ["not_ready", "other"]},
            {"reason_codes": ["other", "competitor"]},
            [
                ("reason codes", "removed", "reason codes: removed not_ready"),
                ("reason codes", "added", "reason codes: added competitor"),
            ],
        ),
    ],
)
def test_each_kind_of_change_reads_as_one_sentence(old, new, expected):
    assert texts(old, new) == expected


def test_identical_documents_have_no_changes():
    fields = {
        "fit_rules": [{"label": "VP", "when": VP, "points": 10}, {"when": BIG, "points": 20}],
        "engagement_rules": [{"type": "webinar", "points": 15, "max_count": 2}],
        "negative_rules": [{"label": "Student", "when": STUDENT, "points": -50, "knockout": True}],
        "requirements": {"budget": True},
        "thresholds": {"mql": 40},
    }

    assert document_diff(document(**fields), document(**fields)) == []
    assert document_diff(DefinitionDocument(), DefinitionDocument()) == []


def test_a_renamed_and_repointed_rule_is_matched_by_its_condition():
    old = {"fit_rules": [{"label": "Big company", "when": BIG, "points": 10}]}
    new = {"fit_rules": [{"label": "Company of 50+ employees", "when": BIG, "points": 15}]}

    assert texts(old, new) == [
        (
            "fit",
            "changed",
            'fit: "Big company" (company_size ≥ 50) renamed "Company of 50+ employees"; now +15, was +10',
        )
    ]


def test_a_label_match_wins_over_a_condition_match():
    # The old rule keeps its label on another condition, and its old condition comes back
    # unlabelled: the label carries the identity.
    old = {"fit_rules": [{"label": "Ideal", "when": BIG, "points": 10}]}
    new = {"fit_rules": [{"when": BIG, "points": 10}, {"label": "Ideal", "when": VP, "points": 10}]}

    assert texts(old, new) == [
        ("fit", "changed", 'fit: "Ideal" now title contains VP, was company_size ≥ 50'),
        ("fit", "added", "fit: added company_size ≥ 50 +10"),
    ]


def test_reordering_rules_types_and_codes_is_no_change():
    old = {
        "fit_rules": [{"when": BIG, "points": 1}, {"when": BIG, "points": 2}],
        "engagement_rules": [{"type": "webinar", "points": 1}, {"type": "call", "points": 2}],
        "fast_track_types": ["demo_request", "meeting"],
        "reason_codes": ["other", "no_need"],
    }
    new = {
        "fit_rules": [{"when": BIG, "points": 2}, {"when": BIG, "points": 1}],
        "engagement_rules": [{"type": "call", "points": 2}, {"type": "webinar", "points": 1}],
        "fast_track_types": ["meeting", "demo_request", "meeting"],
        "reason_codes": ["no_need", "other"],
    }

    assert texts(old, new) == []


def test_changes_follow_document_order_then_old_rules_then_new_ones():
    old = {
        "fit_rules": [
            {"label": "A", "when": VP, "points": 1},
            {"label": "B", "when": BIG, "points": 1},
            {"label": "C", "when": SOFTWARE, "points": 1},
        ],
        "negative_rules": [{"when": STUDENT, "points": -1}],
        "reason_codes": ["other"],
        "fast_track_types": [],
    }
    new = {
        "reason_codes": ["other", "duplicate"],
        "fast_track_types": ["call"],
        "negative_rules": [{"when": STUDENT, "points": -2}],
        "fit_rules": [
            {"label": "D", "when": STUDENT, "points": 1},
            {"label": "C", "when": SOFTWARE, "points": 2},
            {"label": "A", "when": VP, "points": 3},
        ],
        "thresholds": {"mql": 70},
    }

    assert [text for _, _, text in texts(old, new)] == [
        'fit: "A" (title contains VP) now +3, was +1',
        'fit: removed "B" (company_size ≥ 50) +1',
        'fit: "C" (industry in software) now +2, was +1',
        'fit: added "D" (title contains student) +1',
        "negative: title contains student now -2, was -1",
        "thresholds: MQL threshold now 70, was 60",
        "fast track: added call",
        "reason codes: added duplicate",
    ]


def test_describe_document_shows_every_section_in_the_diff_words():
    shown = describe_document(
        document(
            fit_rules=[{"label": "VP", "when": VP, "points": 10}, {"when": BIG, "points": -2}],
            engagement_rules=[{"type": "webinar", "points": 20, "max_count": 2}],
            negative_rules=[{"label": "Student", "when": STUDENT, "points": -50, "knockout": True}],
            requirements={"contact": True, "need": True},
            fast_track_types=["demo_request", "demo_request"],
            reason_codes=["other"],
        )
    )

    assert shown == [
        ("fit", ['"VP" (title contains VP) +10', "company_size ≥ 50 -2"]),
        ("engagement", ["webinar 20 pts, half-life 30 days, at most 2 counted"]),
        ("negative", ['"Student" (title contains student) -50, knockout']),
        (
            "requirements",
            [
                "contact details required",
                "need required",
                "authority not required",
                "budget not required",
                "timeline not required",
            ],
        ),
        ("thresholds", ["MQL threshold 60", "minimum fit score 0", "minimum engagement score 0"]),
        ("fast track", ["demo_request"]),
        ("sla", ["follow-up time 4 business hours", "monthly MQL commitment 0"]),
        ("reason codes", ["other"]),
    ]


def test_a_change_is_a_frozen_value():
    change = Change("fit", "added", "fit: added company_size ≥ 50 +10")

    with pytest.raises(AttributeError):
        change.text = "other"  # type: ignore[misc]
    assert change == Change("fit", "added", "fit: added company_size ≥ 50 +10")


# --- properties -------------------------------------------------------------------------

# Few labels, conditions and values, so versions often share rules, labels or conditions.
CONDITIONS = st.sampled_from([BIG, VP, SOFTWARE, STUDENT, {"field": "budget", "op": "present"}])
LABELS = st.sampled_from(["", "", "A", "B"])
POINTS = st.sampled_from([0.0, 5.0, 10.0, 0.1, 0.1000001, -2.5])
TYPES = ("webinar", "demo_request", "call", "meeting")


@st.composite
def documents(draw) -> DefinitionDocument:
    rule = {"label": LABELS, "when": CONDITIONS}
    return DefinitionDocument.model_validate(
        {
            "fit_rules": draw(st.lists(st.fixed_dictionaries(rule | {"points": POINTS}), max_size=4)),
            "engagement_rules": [
                {
                    "type": kind,
                    "points": draw(POINTS),
                    "half_life_days": draw(st.sampled_from([1.0, 7.0, 30.0])),
                    "max_count": draw(st.sampled_from([None, 1, 3])),
                }
                for kind in draw(st.lists(st.sampled_from(TYPES), unique=True, max_size=3))
            ],
            "negative_rules": draw(
                st.lists(
                    st.fixed_dictionaries(
                        rule | {"points": st.sampled_from([0.0, -5.0, -50.0]), "knockout": st.booleans()}
                    ),
                    max_size=3,
                )
            ),
            "requirements": {name: draw(st.booleans()) for name in ("contact", "need", "authority", "budget")},
            "thresholds": {
                "mql": draw(st.sampled_from([50.0, 60.0])),
                "fit_min": draw(st.sampled_from([0.0, 10.0])),
                "engagement_min": draw(st.sampled_from([0.0, 5.0])),
            },
            "fast_track_types": draw(st.lists(st.sampled_from(TYPES), max_size=3)),
            "sla": {
                "follow_up_business_hours": draw(st.sampled_from([1.0, 4.0])),
                "mql_commitment_per_month": draw(st.sampled_from([0, 100])),
            },
            "reason_codes": draw(st.lists(st.sampled_from(["other", "no_budget", "duplicate"]), min_size=1)),
        }
    )


@st.composite
def rearranged(draw, original: DefinitionDocument) -> DefinitionDocument:
    """The same definition with rules, types and codes shuffled and repeated types and codes."""
    return original.model_copy(
        update={
            "fit_rules": draw(st.permutations(original.fit_rules)),
            "engagement_rules": draw(st.permutations(original.engagement_rules)),
            "negative_rules": draw(st.permutations(original.negative_rules)),
            "fast_track_types": draw(st.permutations(original.fast_track_types * 2)),
            "reason_codes": draw(st.permutations(original.reason_codes + original.reason_codes[:1])),
        }
    )


@st.composite
def versions(draw) -> tuple[DefinitionDocument, DefinitionDocument]:
    """A version and a next one: unrelated, rearranged, or differing in one section."""
    old = draw(documents())
    other = draw(documents())
    how = draw(st.sampled_from(["unrelated", "rearranged", "one section"]))
    if how == "unrelated":
        return old, other
    if how == "rearranged":
        return old, draw(rearranged(old))
    section = draw(st.sampled_from(list(DefinitionDocument.model_fields)))
    return old, old.model_copy(update={section: getattr(other, section)})


def normalised(version: DefinitionDocument) -> tuple:
    """What a reader compares: rules as collections, types and codes as sets."""
    return (
        Counter(repr(rule) for rule in version.fit_rules),
        {rule.type: rule for rule in version.engagement_rules},
        Counter(repr(rule) for rule in version.negative_rules),
        version.requirements,
        version.thresholds,
        set(version.fast_track_types),
        version.sla,
        set(version.reason_codes),
    )


@given(version=documents())
def test_a_version_has_no_changes_from_itself(version):
    assert document_diff(version, version) == []
    assert document_diff(version, version.model_copy(deep=True)) == []


@given(pair=versions())
def test_there_are_changes_exactly_when_the_versions_differ(pair):
    old, new = pair

    changes = document_diff(old, new)

    assert (changes == []) == (normalised(old) == normalised(new))
    assert (document_diff(new, old) == []) == (changes == [])
    assert all(change.text.startswith(f"{change.section}: ") for change in changes)


@given(pair=versions())
def test_added_and_removed_lines_are_the_lines_describe_document_shows(pair):
    old, new = pair
    shown_old, shown_new = dict(describe_document(old)), dict(describe_document(new))

    for change in document_diff(old, new):
        prefix = f"{change.section}: {change.kind} "
        if change.kind == "removed":
            assert change.text.removeprefix(prefix) in shown_old[change.section]
        if change.kind == "added":
            assert change.text.removeprefix(prefix) in shown_new[change.section]
