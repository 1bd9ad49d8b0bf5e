"""Every model's credits sum exactly to what was attributed, whatever the journeys."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.attribution.markov import markov_credit
from accord.attribution.paths import journeys_of
from accord.attribution.rules import channel_credit

channels = st.sampled_from(["email", "search", "social", "webinar", "events"])
journey = st.tuples(
    st.lists(channels, min_size=1, max_size=7),
    st.integers(0, 50),
    st.floats(0, 10_000, allow_nan=False, allow_infinity=False),
    st.integers(0, 50),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(journey, min_size=1, max_size=25).filter(lambda rows: any(row[1] for row in rows)))
def test_every_model_credits_the_whole_total(rows):
    paths = [" > ".join(path) for path, *_ in rows]
    conversions = [converted for _, converted, _, _ in rows]
    value = [amount if converted else 0.0 for _, converted, amount, _ in rows]
    journeys = journeys_of(paths, conversions, value, [nulls for *_, nulls in rows])
    results = [channel_credit(journeys, model) for model in ("first", "last", "linear")]
    results += [markov_credit(journeys, order=order).credit for order in (1, 2, 3, 4)]

    for result in results:
        assert result["conversions"].sum() == pytest.approx(sum(conversions), rel=1e-9)
        assert result["value"].sum() == pytest.approx(sum(value), rel=1e-9, abs=1e-9)
        assert result["conversions"].min() >= 0
