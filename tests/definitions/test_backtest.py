"""`first_qualified_at` finds, for every lead, the first moment `score_lead` would have
qualified it: its creation or one of its touchpoints, with every touchpoint up to that
moment counting."""

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.definitions.backtest import first_qualified_at
from accord.definitions.document import RULE_FIELDS, DefinitionDocument
from accord.definitions.rounding import round2 as _round2
from accord.definitions.scoring import TouchpointFact, score_lead
from tests.definitions.test_vectorised import SCHEMA, TEXT_FIELDS, TEXTS, TOUCH_SCHEMA, documents

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
LEAD_SCHEMA = {name: dtype for name, dtype in SCHEMA.items() if name != "nurture_since"} | {
    "created_at": pl.Datetime("us", "UTC")
}


def run(document, leads: list[dict], touches: list[tuple[int, str, datetime]], end: datetime) -> dict:
    frame = pl.DataFrame(
        [{name: lead.get(name) for name in LEAD_SCHEMA} | {"key": key} for key, lead in enumerate(leads)],
        schema=LEAD_SCHEMA,
    )
    touch_frame = pl.DataFrame(touches, schema=TOUCH_SCHEMA, orient="row")
    result = first_qualified_at(document, frame, touch_frame, end=end).sort("key")
    return {key: (at, fast) for key, at, fast in result.iter_rows()}


def reference(document, lead: dict, touches: list[tuple[str, datetime]], end: datetime):
    """score_lead at the lead's creation and at each later touchpoint, until it qualifies."""
    created = lead["created_at"]
    if created > end:
        return None, None
    moments = [created, *sorted({at for _, at in touches if created < at <= end})]
    attributes = {name: lead.get(name) for name in RULE_FIELDS}
    for moment in moments:
        facts = [TouchpointFact(kind, at) for kind, at in touches if at <= moment]
        explanation = score_lead(document, attributes, facts, now=moment)
        if explanation.qualified:
            return moment, explanation.fast_track is not None
    return None, None


# --- hand-worked -------------------------------------------------------------------------

DOCUMENT = DefinitionDocument.model_validate(
    {
        "fit_rules": [{"label": "50+", "when": {"field": "company_size", "op": "gte", "value": 50}, "points": 20}],
        "engagement_rules": [
            {"type": "content_download", "points": 20, "half_life_days": 10},
            {"type": "page_view", "points": 10, "half_life_days": 1, "max_count": 2},
        ],
        "negative_rules": [
            {"label": "Student", "when": {"field": "title", "op": "contains", "value": "student"}, "points": -5,
             "knockout": True},
        ],
        "requirements": {"contact": False},
        "thresholds": {"mql": 50},
        "fast_track_types": ["demo_request"],
    }
)  # fmt: skip
BIG = {"company_size": 80, "created_at": T0}


def test_hand_worked_moments():
    leads = [
        BIG,  # 0: 20 + 20 (download at day 1) = 40; a second download 10 days later: 20 + 10 + 20 = 50 → qualifies then
        BIG,  # 1: two downloads the same moment: 20 + 40 = 60 → at that moment
        {"company_size": 10, "created_at": T0},  # 2: 0 + 3 page views an hour apart: max 2 count, < 50 → never
        BIG | {"title": "Student"},  # 3: knockout: even a demo request does not qualify
        {"company_size": 10, "created_at": T0},  # 4: demo request → fast track at its moment
        BIG,  # 5: created after the end → never
        {"company_size": 60, "created_at": T0 + 2 * DAY},  # 6: a download before creation counts at creation
    ]
    leads[5] = BIG | {"created_at": T0 + 30 * DAY}
    touches = [
        (0, "content_download", T0 + DAY),
        (0, "content_download", T0 + 11 * DAY),
        (1, "content_download", T0 + 3 * DAY),
        (1, "content_download", T0 + 3 * DAY),
        (2, "page_view", T0 + HOUR),
        (2, "page_view", T0 + 2 * HOUR),
        (2, "page_view", T0 + 3 * HOUR),
        (3, "demo_request", T0 + DAY),
        (4, "email_open", T0 + DAY),  # counts for no rule
        (4, "demo_request", T0 + 5 * DAY),
        (5, "demo_request", T0 + 31 * DAY),
        (6, "content_download", T0 + DAY),
        (6, "content_download", T0 + DAY),
    ]
    end = T0 + 20 * DAY

    result = run(DOCUMENT, leads, touches, end)

    # Lead 0 at day 11: 20 × 0.5 ** (10/10) + 20 = 30 engagement, + 20 fit = 50 ≥ 50.
    # Lead 6 at creation (day 2): 2 × 20 × 0.5 ** (1/10) = 37.32, + 20 = 57.32.
    assert result == {
        0: (T0 + 11 * DAY, False),
        1: (T0 + 3 * DAY, False),
        2: (None, None),
        3: (None, None),
        4: (T0 + 5 * DAY, True),
        5: (None, None),
        6: (T0 + 2 * DAY, False),
    }


def test_the_end_of_the_range_cuts_the_moments_off():
    touches = [(0, "content_download", T0 + DAY), (0, "content_download", T0 + 11 * DAY)]

    assert run(DOCUMENT, [BIG], touches, end=T0 + 11 * DAY - HOUR) == {0: (None, None)}
    assert run(DOCUMENT, [BIG], touches, end=T0 + 11 * DAY) == {0: (T0 + 11 * DAY, False)}


def test_round2_is_pythons_round_on_ties():
    values = [2.675, 1.005, 0.125, 0.375, 0.015, 0.005, -2.675, 49.995, 50.005, 12345.675, 0.0, 1e-9, -0.125]
    values += [k / 1000 for k in range(-20_000, 20_000)] + [k / 8 for k in range(-4000, 4000)]

    assert [_round2(v) for v in values] == [round(v, 2) for v in values]


# --- property: random definitions, leads and histories --------------------------------------

MOMENTS = st.integers(0, 40 * 24).map(lambda hours: T0 + timedelta(hours=hours))
TYPES = st.sampled_from(["page_view", "email_open", "email_click", "form_fill", "content_download", "demo_request"])


@st.composite
def histories(draw):
    leads, touches = [], []
    for key in range(draw(st.integers(1, 6))):
        lead = {name: draw(st.one_of(st.none(), TEXTS)) for name in TEXT_FIELDS}
        lead["company_size"] = draw(st.one_of(st.none(), st.integers(0, 1000)))
        lead["consent_email"] = draw(st.one_of(st.none(), st.booleans()))
        lead["created_at"] = draw(MOMENTS)
        leads.append(lead)
        touches += [(key, kind, at) for kind, at in draw(st.lists(st.tuples(TYPES, MOMENTS), max_size=8))]
    return leads, touches


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents(), history=histories(), end_hours=st.integers(0, 45 * 24))
def test_first_qualified_at_equals_score_lead_at_each_moment(document, history, end_hours):
    leads, touches = history
    end = T0 + timedelta(hours=end_hours)

    expected = {
        key: reference(document, lead, [(kind, at) for k, kind, at in touches if k == key], end)
        for key, lead in enumerate(leads)
    }

    assert run(document, leads, touches, end) == expected


def test_touchpoint_points_add_up_as_pythons_sum_does():
    """Python's sum() compensates rounding errors: seven 0.025s make 0.17500000000000002
    (0.18 rounded), where adding them one by one makes 0.175 (0.17); eleven 0.015s make
    0.16499999999999998 (0.16), not 0.16500000000000004 (0.17)."""
    document = DefinitionDocument.model_validate(
        {
            "engagement_rules": [
                {"type": "page_view", "points": 0.025, "half_life_days": 7},
                {"type": "email_open", "points": 0.015, "half_life_days": 7},
            ],
            "requirements": {"contact": False},
            "thresholds": {"mql": 0.17},
            "fast_track_types": [],
        }
    )
    leads = [{"created_at": T0}, {"created_at": T0}]
    touches = [(0, "page_view", T0 + DAY)] * 7 + [(1, "email_open", T0 + DAY)] * 11

    assert run(document, leads, touches, end=T0 + 2 * DAY) == {0: (T0 + DAY, False), 1: (None, None)}
