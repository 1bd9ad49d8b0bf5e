"""Scoring under a definition document: pure functions, values worked out by hand."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from accord.definitions.document import Condition, DefinitionDocument
from accord.definitions.scoring import TouchpointFact, condition_matches, decayed, score_lead

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("points", "age_days", "half_life", "expected"),
    [
        (20, 0, 10, 20.0),
        (20, 10, 10, 10.0),  # one half-life
        (20, 20, 10, 5.0),  # two half-lives
        (20, 5, 10, 20 / 2**0.5),  # half a half-life: 20 / √2 ≈ 14.142
        (8, 21, 7, 1.0),  # three half-lives: 8 / 8
        (20, -3, 10, 20.0),  # dated in the future: full points
    ],
)
def test_decay_halves_every_half_life(points, age_days, half_life, expected):
    assert decayed(points, age_days * 86400, half_life) == pytest.approx(expected, abs=1e-9)


def doc(**overrides) -> DefinitionDocument:
    base = {
        "fit_rules": [{"when": {"field": "company_size", "op": "gte", "value": 50}, "points": 20}],
        "engagement_rules": [
            {"type": "content_download", "points": 20, "half_life_days": 10},
            {"type": "page_view", "points": 2, "half_life_days": 7, "max_count": 2},
        ],
        "requirements": {"contact": False, "need": False},
        "thresholds": {"mql": 40},
        "fast_track_types": [],
    }
    return DefinitionDocument.model_validate({**base, **overrides})


def test_engagement_sums_decayed_touchpoints_and_caps_counts():
    touchpoints = [
        TouchpointFact("content_download", NOW - 10 * DAY),  # 10
        TouchpointFact("content_download", NOW),  # 20
        TouchpointFact("page_view", NOW),  # 2
        TouchpointFact("page_view", NOW - 7 * DAY),  # 1
        TouchpointFact("page_view", NOW - 14 * DAY),  # beyond max_count 2: ignored
        TouchpointFact("webinar", NOW),  # no rule: 0
    ]

    result = score_lead(doc(), {"company_size": 50}, touchpoints, now=NOW)

    assert (result.fit, result.engagement, result.total) == (20, 33, 53)
    assert result.qualified is True
    assert result.reasons == ["Score 53 ≥ MQL threshold 40"]


def test_below_threshold_and_missing_requirements_are_all_explained():
    document = doc(
        requirements={"contact": True, "need": True, "budget": True},
        thresholds={"mql": 10, "fit_min": 25},
    )
    attributes = {"company_size": 60, "first_name": "Ann", "company": "Co", "need": "x", "budget": ""}

    result = score_lead(document, attributes, [], now=NOW)

    assert result.qualified is False
    assert result.reasons == [
        "Score 20 ≥ MQL threshold 10",
        "Fit 20 < minimum 25",
        "Contact known",
        "Need known",
        "Budget missing",
    ]
    assert result.requirements == {"contact": True, "need": True, "budget": False}


def test_negative_points_count_and_a_knockout_blocks_even_the_fast_track():
    document = doc(
        negative_rules=[
            {"when": {"field": "email_domain", "op": "in", "value": ["gmail.com"]}, "points": -15},
            {"label": "Competitor", "when": {"field": "company", "op": "eq", "value": "Rival"}, "points": -5,
             "knockout": True},
        ],
        fast_track_types=["demo_request"],
    )  # fmt: skip
    demo = [TouchpointFact("demo_request", NOW)]

    free_mail = score_lead(document, {"company_size": 50, "email_domain": "gmail.com"}, demo, now=NOW)
    rival = score_lead(document, {"company_size": 50, "company": "rival"}, demo, now=NOW)

    assert (free_mail.total, free_mail.qualified, free_mail.fast_track) == (5, True, "demo_request")
    assert (rival.total, rival.qualified, rival.knockout) == (15, False, "Competitor")


@pytest.mark.parametrize(
    ("condition", "attributes", "expected"),
    [
        ({"field": "country", "op": "eq", "value": "de"}, {"country": "DE"}, True),
        ({"field": "country", "op": "neq", "value": "DE"}, {"country": ""}, True),
        ({"field": "industry", "op": "in", "value": ["Software"]}, {"industry": "software"}, True),
        ({"field": "industry", "op": "not_in", "value": ["software"]}, {"industry": None}, True),
        ({"field": "title", "op": "contains", "value": "vp"}, {"title": "SVP Sales"}, True),
        ({"field": "company_size", "op": "gt", "value": 50}, {"company_size": 50}, False),
        ({"field": "company_size", "op": "gte", "value": 50}, {"company_size": None}, False),
        ({"field": "company_size", "op": "lt", "value": 10}, {"company_size": 9}, True),
        ({"field": "company_size", "op": "lte", "value": 10}, {"company_size": "many"}, False),
        ({"field": "phone", "op": "present"}, {"phone": "  "}, True),
        ({"field": "phone", "op": "absent"}, {"phone": ""}, True),
        ({"field": "consent_email", "op": "present"}, {"consent_email": False}, False),
    ],
)
def test_condition_operators(condition, attributes, expected):
    assert condition_matches(Condition.model_validate(condition), attributes) is expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"fit_rules": [{"when": {"field": "shoe_size", "op": "eq", "value": 1}, "points": 1}]}, "unknown lead field"),
        ({"fit_rules": [{"when": {"field": "industry", "op": "in", "value": "x"}, "points": 1}]}, "needs a list"),
        ({"fit_rules": [{"when": {"field": "company_size", "op": "gte", "value": "x"}, "points": 1}]}, "a number"),
        ({"engagement_rules": [{"type": "telepathy", "points": 1}]}, "unknown touchpoint type"),
        ({"engagement_rules": [{"type": "call", "points": 1, "half_life_days": 0}]}, "greater than 0"),
        ({"engagement_rules": [{"type": "call", "points": 1}, {"type": "call", "points": 2}]}, "one engagement rule"),
        ({"negative_rules": [{"when": {"field": "title", "op": "present"}, "points": 5}]}, "less than or equal to 0"),
        ({"fast_track_types": ["teleport"]}, "unknown touchpoint types"),
        ({"sla": {"follow_up_business_hours": 0}}, "greater than 0"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_invalid_documents_are_rejected_with_the_reason(document, message):
    with pytest.raises(ValidationError, match=message):
        DefinitionDocument.model_validate(document)


def test_a_definition_row_with_a_bad_document_does_not_validate(db):
    from django.core.exceptions import ValidationError as DjangoValidationError

    from accord.definitions.models import LeadDefinition

    definition = LeadDefinition(version=9, document={"thresholds": {"mql": -1}})
    with pytest.raises(DjangoValidationError) as error:
        definition.full_clean()
    assert error.value.message_dict["document"] == ["thresholds.mql: Input should be greater than or equal to 0"]
