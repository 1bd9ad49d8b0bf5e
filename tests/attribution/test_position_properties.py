"""Every rule-based model gives each conversion exactly its whole weight, whatever its
touches and moments: ties, touches after it, roles missing or held by one touch."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.attribution.positions import MODELS, touch_shares

T0 = datetime(2026, 1, 1, tzinfo=UTC)
hours = st.integers(0, 24 * 60)  # within 60 days, so ties happen
moment = st.one_of(st.none(), hours)
conversion = st.tuples(st.lists(hours, min_size=1, max_size=8), hours, moment, moment, moment)


def at(hour: int | None) -> datetime | None:
    return None if hour is None else T0 + timedelta(hours=hour)


@settings(max_examples=80, deadline=None)
@given(st.lists(conversion, min_size=1, max_size=12), st.sampled_from(MODELS), st.floats(0.01, 400))
def test_each_conversion_is_shared_whole_among_its_touches_before_it(conversions, model, half_life):
    touches = [
        (number, at(hour), order)
        for number, (hours_, *_) in enumerate(conversions)
        for order, hour in enumerate(hours_)
    ]
    touch_frame = pl.DataFrame(touches, schema={"conversion": pl.Int64, "at": pl.Datetime("us", "UTC"),
                                                "order": pl.Int64}, orient="row")  # fmt: skip
    moments = pl.DataFrame(
        [(number, at(converted), at(lead), at(opportunity), at(closed))
         for number, (_, converted, lead, opportunity, closed) in enumerate(conversions)],
        schema={"conversion": pl.Int64, **dict.fromkeys(
            ("converted_at", "lead_created_at", "opportunity_created_at", "closed_at"), pl.Datetime("us", "UTC"))},
        orient="row",
    )  # fmt: skip
    shared = touch_shares(touch_frame, moments, model, half_life_days=half_life)

    # Only touches at or before their conversion are shared, and every conversion that has
    # one gets exactly 1, none of it negative.
    before = {number for number, (hours_, converted, *_) in enumerate(conversions) if min(hours_) <= converted}
    assert set(shared["conversion"].unique()) == before
    assert shared.join(moments, on="conversion").filter(pl.col("at") > pl.col("converted_at")).is_empty()
    assert (shared["share"] >= 0).all()
    for total in shared.group_by("conversion").agg(pl.col("share").sum())["share"]:
        assert total == pytest.approx(1, abs=1e-12)
