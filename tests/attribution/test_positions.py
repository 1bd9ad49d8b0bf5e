"""How each rule-based model shares one conversion among its touches, worked by hand."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from accord.attribution.positions import MODELS, touch_shares
from accord.core.errors import InvalidInput

DAY1 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def day(n: int, hour: int = 9) -> datetime:
    return DAY1 + timedelta(days=n - 1, hours=hour - 9)


def journey(at: list[datetime], *, lead=None, opportunity=None, closed=None, converted=None):
    touches = pl.DataFrame(
        {
            "conversion": [1] * len(at),
            "at": at,
            "order": list(range(len(at))),
            "name": [f"t{i + 1}" for i in range(len(at))],
        },
        schema_overrides={"at": pl.Datetime("us", "UTC")},
    )
    conversions = pl.DataFrame(
        {
            "conversion": [1],
            "converted_at": [converted or max(at)],
            "lead_created_at": [lead],
            "opportunity_created_at": [opportunity],
            "closed_at": [closed],
        },
        schema_overrides={name: pl.Datetime("us", "UTC") for name in
                          ("converted_at", "lead_created_at", "opportunity_created_at", "closed_at")},
    )  # fmt: skip
    return touches, conversions


def shares(model: str, touches, conversions, **options) -> dict:
    result = touch_shares(touches, conversions, model, **options)
    return {name: pytest.approx(share, abs=1e-12) for name, share in result.select("name", "share").rows()}


# Five touches on days 1–5; the lead was created at touch 2 (day 2), the opportunity at
# touch 4 (day 4), the deal closed on day 5 after touch 5.
FIVE = journey([day(1), day(2), day(3), day(4), day(5)], lead=day(2), opportunity=day(4), closed=day(5, 12))


def test_first_last_and_linear():
    assert shares("first", *FIVE) == {"t1": 1, "t2": 0, "t3": 0, "t4": 0, "t5": 0}
    assert shares("last", *FIVE) == {"t1": 0, "t2": 0, "t3": 0, "t4": 0, "t5": 1}
    assert shares("linear", *FIVE) == dict.fromkeys(("t1", "t2", "t3", "t4", "t5"), 0.2)


def test_u_shaped_forty_forty_and_twenty_over_the_rest():
    # t1 first 0.4, t2 lead creation 0.4; t3, t4, t5 share 0.2: 0.2/3 each.
    assert shares("u_shaped", *FIVE) == {"t1": 0.4, "t2": 0.4, "t3": 0.2 / 3, "t4": 0.2 / 3, "t5": 0.2 / 3}


def test_w_shaped_thirty_each_to_first_lead_and_opportunity():
    # t1, t2, t4 hold the roles (0.3 each); t3 and t5 share 0.1.
    assert shares("w_shaped", *FIVE) == {"t1": 0.3, "t2": 0.3, "t3": 0.05, "t4": 0.3, "t5": 0.05}


def test_full_path_adds_the_close():
    # t1, t2, t4 and t5 (the last touch before the close) 0.225 each; t3 alone gets 0.1.
    assert shares("full_path", *FIVE) == {"t1": 0.225, "t2": 0.225, "t3": 0.1, "t4": 0.225, "t5": 0.225}


def test_roles_on_one_touch_add_up_and_missing_ones_scale_the_rest():
    # Two touches, the lead created at the first: u_shaped gives t1 first + lead creation
    # (0.8) and t2 the other touches' 0.2 — already summing to 1.
    two = journey([day(1), day(3)], lead=day(1))
    assert shares("u_shaped", *two) == {"t1": 0.8, "t2": 0.2}
    # W-shaped with no opportunity (a lead conversion): roles first + lead creation on t1
    # (0.6), t2 the others' 0.1; scaled by 1/0.7.
    assert shares("w_shaped", *two) == {"t1": 0.6 / 0.7, "t2": 0.1 / 0.7}
    # One touch holds every role: everything.
    assert shares("full_path", *journey([day(1)], lead=day(1), opportunity=day(1), closed=day(1))) == {"t1": 1}


def test_with_no_other_touches_the_roles_share_everything():
    # Two touches, first and lead creation: half each (the others' 0.2 goes nowhere, then
    # 0.4 and 0.4 are scaled to sum to 1).
    assert shares("u_shaped", *journey([day(1), day(2)], lead=day(2))) == {"t1": 0.5, "t2": 0.5}


def test_time_decay_halves_a_touch_per_half_life_before_the_latest():
    # Touches 14, 7 and 0 days before the last, half-life 7 days: weights 1/4, 1/2, 1,
    # summing to 7/4 → 1/7, 2/7, 4/7.
    touches, conversions = journey([day(1), day(8), day(15)])
    assert shares("time_decay", touches, conversions) == {"t1": 1 / 7, "t2": 2 / 7, "t3": 4 / 7}
    # A half-life of 14 days: 1/2, 1/√2, 1.
    total = 0.5 + 2**-0.5 + 1
    assert shares("time_decay", touches, conversions, half_life_days=14) == {
        "t1": 0.5 / total,
        "t2": 2**-0.5 / total,
        "t3": 1 / total,
    }


def test_touches_after_the_conversion_never_count_and_ties_keep_their_order():
    # The conversion on day 2: the day-3 touch is dropped. t1 and t2 at the same instant:
    # t1 (lower order) is first.
    touches, conversions = journey([day(1), day(1), day(3)], converted=day(2))
    assert shares("first", touches, conversions) == {"t1": 1, "t2": 0}
    assert shares("last", touches, conversions) == {"t1": 0, "t2": 1}


@pytest.mark.parametrize("model", MODELS)
def test_every_model_gives_each_conversion_exactly_one(model):
    result = touch_shares(*FIVE, model)

    assert result["share"].sum() == pytest.approx(1, abs=1e-12)


def test_unknown_model_and_bad_half_life_name_the_field():
    with pytest.raises(InvalidInput) as model:
        touch_shares(*FIVE, "z_shaped")
    with pytest.raises(InvalidInput) as half_life:
        touch_shares(*FIVE, "time_decay", half_life_days=0)

    assert (model.value.field, half_life.value.field) == ("model", "half_life_days")
