"""Suggested definition changes over a history built by hand; every number is worked out
below.

The active version is tests.conftest TEST_DOCUMENT (v2, threshold 50). Every lead is
QUALIFIABLE (VP, 120 employees, need, Germany: fit 30), created in March 2026 and
qualified by a content download (20) the same day — except A3, fast-tracked by a demo
request.

lead  source  March                                     hand-off outcome
A1    ads     2nd MQL, 3rd recycled (no_need)            rejected
A2    ads     4th MQL, 5th disqualified (bad_data)       rejected
A3    ads     6th MQL by demo request                    —
W1    web     9th MQL, accepted, deal won 1,000.00       won
W2    web     11th MQL, accepted 12th                    —
W3    web     13th MQL                                   —

Overall: 6 hand-offs, 2 rejected (0.3333), 1 won (0.1667).
ads: 3 hand-offs, 2 rejected (0.6667 ≥ 1.5 × 0.3333) and none won → suggested.
web: none rejected, one won. Every other grouping (no campaign, no industry,
50–249 employees, DE) holds all six: the overall rates, nothing to suggest.

The suggestion adds "source = ads: -50". A1 and A2 then score 30 + 20 - 50 = 0 and never
qualify; A3 still does (a fast track is not a knockout):

            MQLs                accepted      precision (won / MQLs)  won revenue
v2          6 (A1–A3, W1–W3)    2 (W1, W2)    1 / 6                   1,000.00
suggested   4 (A3, W1–W3)       2             1 / 4                   1,000.00
lost: A1, A2 (neither accepted); gained: none; kept: 4.
"""

from datetime import UTC, date, datetime

import pytest

from accord.core.errors import NotAllowed
from accord.crm import services
from accord.crm.models import Lead
from accord.definitions.document import DefinitionDocument
from accord.definitions.models import LeadDefinition
from accord.reports import backtest as backtest_module
from accord.reports import suggestions as suggestions_module
from accord.reports.suggestions import exclusion_condition, suggestion_apply, suggestions
from tests.conftest import QUALIFIABLE, TEST_DOCUMENT

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def scene(world):
    def handed_over(name, source, day, kind="content_download"):
        data = {**QUALIFIABLE, "email": f"{name}@bigco.example", "source": source}
        lead, _ = services.lead_capture(data=data, acting_user=world.marketer, at=at(day))
        services.touchpoint_record(lead_id=lead.pk, type=kind, acting_user=world.marketer, at=at(day))
        lead = Lead.objects.get(pk=lead.pk)
        assert lead.stage == "mql"
        return lead

    a1 = handed_over("a1", "ads", 2)
    services.lead_reject(lead_id=a1.pk, acting_user=a1.owner, reason="no_need", action="recycle", at=at(3))
    a2 = handed_over("a2", "ads", 4)
    services.lead_reject(lead_id=a2.pk, acting_user=a2.owner, reason="bad_data", action="disqualify", at=at(5))
    handed_over("a3", "ads", 6, kind="demo_request")
    w1 = handed_over("w1", "web", 9)
    services.lead_accept(lead_id=w1.pk, acting_user=w1.owner, at=at(9, 11))
    deal = services.opportunity_create(lead_id=w1.pk, acting_user=w1.owner, amount="1000", at=at(10))
    services.opportunity_close(opportunity_id=deal.pk, acting_user=w1.owner, won=True, at=at(20))
    w2 = handed_over("w2", "web", 11)
    services.lead_accept(lead_id=w2.pk, acting_user=w2.owner, at=at(12))
    handed_over("w3", "web", 13)


EXCLUDE_ADS = {
    "label": "Suggested: exclude source ads",
    "when": {"field": "source", "op": "eq", "value": "ads"},
    "points": -50.0,
    "knockout": False,
}


def test_a_segment_sales_rejects_and_never_wins(scene, definition):
    (suggestion,) = suggestions(**MARCH, min_leads=3)

    active_document = DefinitionDocument.model_validate(TEST_DOCUMENT).model_dump(mode="json")
    assert suggestion.as_dict() == {
        "key": "source:ads",
        "by": "source",
        "value": "ads",
        "label": "Suggested: exclude source ads",
        "triggers": ["rejection_rate", "never_won"],
        "handed_over": 3,
        "rejected": 2,
        "rejection_rate": 0.6667,
        "won": 0,
        "won_rate": 0.0,
        "overall": {"handed_over": 6, "rejection_rate": 0.3333, "won_rate": 0.1667},
        "rule": EXCLUDE_ADS,
        "document": {**active_document, "negative_rules": [*active_document["negative_rules"], EXCLUDE_ADS]},
        "based_on_id": definition.pk,
        "before": {"mql_count": 6, "accepted_rate": 0.3333, "precision": 0.1667, "won_revenue": "1000.00"},
        "after": {"mql_count": 4, "accepted_rate": 0.5, "precision": 0.25, "won_revenue": "1000.00"},
        "changes": {
            "gained": {
                "mql_count": 0, "accepted": 0, "accepted_rate": None, "opportunities": 0, "opportunity_rate": None,
                "won": 0, "win_rate": None, "precision": None, "won_revenue": "0.00",
            },
            "lost": {  # A1 and A2
                "mql_count": 2, "accepted": 0, "accepted_rate": 0.0, "opportunities": 0, "opportunity_rate": 0.0,
                "won": 0, "win_rate": None, "precision": 0.0, "won_revenue": "0.00",
            },
            "kept": 4,  # A3, W1, W2, W3
        },
    }  # fmt: skip


def test_too_few_hand_offs_suggest_nothing(scene, definition):
    assert suggestions(**MARCH, min_leads=4) == []
    assert suggestions(**MARCH) == []  # 20 by default


def test_a_segment_that_never_wins_is_suggested_even_below_the_factor(scene, definition):
    # 0.6667 < 3 × 0.3333, but ads won nothing while web won once.
    (suggestion,) = suggestions(**MARCH, min_leads=3, factor=3)

    assert (suggestion.key, suggestion.triggers) == ("source:ads", ["never_won"])


def test_one_history_serves_every_suggestion(scene, definition, monkeypatch):
    loads = []

    def counting_history_load(*args):
        loads.append(args)
        return history_load(*args)

    history_load = suggestions_module.history_load
    monkeypatch.setattr(suggestions_module, "history_load", counting_history_load)

    # At half the overall rate, every grouping of all six hand-offs (0.3333 ≥ 0.1667) is
    # suggested too — except the 50–249 band, which would need two conditions.
    found = suggestions(**MARCH, min_leads=3, factor=0.5)

    assert [(s.key, s.rule["when"]) for s in found] == [
        ("source:ads", EXCLUDE_ADS["when"]),
        ("campaign:(none)", {"field": "campaign", "op": "absent", "value": None}),
        ("industry:(none)", {"field": "industry", "op": "absent", "value": None}),
        ("country:DE", {"field": "country", "op": "eq", "value": "DE"}),
    ]  # all rejected 2: in the order of the groupings
    assert loads == [(MARCH["date_from"], MARCH["date_to"])]
    assert all(s.before == found[0].before for s in found)


def test_the_active_version_is_walked_once_for_all_suggestions(scene, definition, monkeypatch):
    walked = []

    def counting_walk(document, *args, **kwargs):
        walked.append(len(document.negative_rules))
        return first_qualified_at(document, *args, **kwargs)

    first_qualified_at = backtest_module.first_qualified_at
    monkeypatch.setattr(backtest_module, "first_qualified_at", counting_walk)

    found = suggestions(**MARCH, min_leads=3, factor=0.5)

    # Four suggestions, each the active document plus one negative rule; the active once.
    active_rules = len(definition.parsed.negative_rules)
    assert len(found) == 4
    assert sorted(walked) == [active_rules, *[active_rules + 1] * 4]


def test_a_rule_the_definition_already_has_is_not_suggested_again(scene, definition):
    definition.document = {**TEST_DOCUMENT, "negative_rules": [{**EXCLUDE_ADS, "label": "Ads", "points": -5}]}
    definition.save()

    assert suggestions(**MARCH, min_leads=3) == []


def test_applying_a_suggestion_makes_a_draft(scene, definition, world):
    (suggestion,) = suggestions(**MARCH, min_leads=3)

    draft = suggestion_apply(suggestion, acting_user=world.marketing_lead, at=at(31))

    assert (draft.version, draft.status, draft.name) == (3, "draft", "Suggested: exclude source ads")
    assert draft.document == suggestion.document
    assert (draft.based_on, draft.created_by, draft.created_at) == (definition, world.marketing_lead, at(31))
    assert LeadDefinition.objects.get(status="active") == definition


def test_only_those_who_draft_definitions_apply_suggestions(scene, definition, world):
    (suggestion,) = suggestions(**MARCH, min_leads=3)

    with pytest.raises(NotAllowed):
        suggestion_apply(suggestion, acting_user=world.rep)
    assert LeadDefinition.objects.count() == 2  # the migration's v1 and the fixture's v2


def test_nothing_to_suggest_without_hand_offs(definition):
    assert suggestions(**MARCH, min_leads=0) == []


@pytest.mark.parametrize(
    ("by", "value", "condition"),
    [
        ("source", "ads", {"field": "source", "op": "eq", "value": "ads"}),
        ("source", None, {"field": "source", "op": "absent"}),
        ("campaign", "webinar-1", {"field": "campaign", "op": "eq", "value": "webinar-1"}),
        ("industry", "Retail", {"field": "industry", "op": "eq", "value": "Retail"}),
        ("country", "DE", {"field": "country", "op": "eq", "value": "DE"}),
        ("company_size", "1–49", {"field": "company_size", "op": "lt", "value": 50}),
        ("company_size", "50–249", None),  # needs gte 50 and lt 250
        ("company_size", "250–999", None),
        ("company_size", "1000+", {"field": "company_size", "op": "gte", "value": 1000}),
        ("company_size", "unknown", {"field": "company_size", "op": "absent"}),
    ],
)
def test_the_condition_that_excludes_a_segment(by, value, condition):
    assert exclusion_condition(by, value) == condition
