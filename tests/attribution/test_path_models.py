"""Rule-based and Markov credit over path-level journeys, worked out by hand."""

import pytest

from accord.attribution.markov import markov_credit
from accord.attribution.paths import journeys_of
from accord.attribution.rules import channel_credit
from accord.core.errors import InvalidInput


def credit(result) -> dict:
    return {channel: (pytest.approx(c, abs=1e-12), pytest.approx(v, abs=1e-9)) for channel, c, v in result.rows()}


# Three journeys: "a > b" converted once for 100; "b" and "a" did not convert.
TWO_STEP = journeys_of(["a > b", "b", "a"], [1, 0, 0], [100.0, 0.0, 0.0], [0, 1, 1])


def test_first_last_and_linear_share_each_conversion_by_position():
    # first: the conversion's first touch is a; last: b; linear: half each.
    assert channel_credit(TWO_STEP, "first").rows() == [("a", 1.0, 100.0), ("b", 0.0, 0.0)]
    assert channel_credit(TWO_STEP, "last").rows() == [("b", 1.0, 100.0), ("a", 0.0, 0.0)]
    assert channel_credit(TWO_STEP, "linear").rows() == [("a", 0.5, 50.0), ("b", 0.5, 50.0)]


def test_linear_gives_a_channel_touched_twice_two_shares():
    # "a > b > a" converted 3 times for 90: a touched twice of three → 2 and 60; b 1 and 30.
    journeys = journeys_of(["a > b > a"], [3], [90.0], [0])

    assert credit(channel_credit(journeys, "linear")) == {"a": (2, 60), "b": (1, 30)}


def test_markov_removal_effects_solved_by_hand():
    # Walks (each path weighted by its journeys, conversions + nulls):
    #   start → a 2/3 (paths 1 and 3), start → b 1/3 (path 2)
    #   a → b 1/2, a → null 1/2;  b → conversion 1/2, b → null 1/2
    # P(convert) = 2/3 · 1/2 · 1/2 + 1/3 · 1/2 = 1/3.
    # Without a: only start → b → conversion, 1/3 · 1/2 = 1/6: removal effect 1 − (1/6)/(1/3) = 1/2.
    # Without b: nothing converts: removal effect 1.
    # Credit: a 1/2 ÷ (1/2 + 1) = 1/3 of the conversion, b 2/3; value alike (every
    # conversion ends in b, worth 100 on average).
    result = markov_credit(TWO_STEP)

    assert credit(result.credit) == {"a": (1 / 3, 100 / 3), "b": (2 / 3, 200 / 3)}
    effects = {channel: (conversion, value) for channel, conversion, value in result.removal_effects.rows()}
    assert effects == {"a": (pytest.approx(0.5), pytest.approx(0.5)), "b": (pytest.approx(1.0), pytest.approx(1.0))}
    transitions = {(origin, to): probability for origin, to, probability in result.transitions.rows()}
    assert transitions == {
        ("(start)", "a"): pytest.approx(2 / 3),
        ("(start)", "b"): pytest.approx(1 / 3),
        ("a", "b"): pytest.approx(0.5),
        ("a", "(null)"): pytest.approx(0.5),
        ("b", "(conversion)"): pytest.approx(0.5),
        ("b", "(null)"): pytest.approx(0.5),
    }


# "a > b > c" converted once; "a > c" did not.
BRANCH = journeys_of(["a > b > c", "a > c"], [1, 0], [0.0, 0.0], [0, 1])


def test_order_one_forgets_where_a_walk_came_from():
    # start → a 1; a → b 1/2, a → c 1/2; b → c 1; c → conversion 1/2, c → null 1/2.
    # P = 1/2 · 1 · 1/2 + 1/2 · 1/2 = 1/2. Without b: 1/2 · 1/2 = 1/4 → effect 1/2.
    # Without a or c: 0 → effect 1. Credit: a 1/2.5 = 0.4, b 0.2, c 0.4.
    assert credit(markov_credit(BRANCH, order=1).credit) == {"a": (0.4, 0), "c": (0.4, 0), "b": (0.2, 0)}


def test_order_two_remembers_the_previous_channel():
    # States are pairs: (a b) → (b c) → conversion, (a c) → null; start → each first pair 1/2.
    # P = 1/2. Removing any channel removes every pair holding it, and with it the only
    # converting walk: each effect is 1, so each channel gets a third.
    result = markov_credit(BRANCH, order=2)

    assert credit(result.credit) == {"a": (1 / 3, 0), "b": (1 / 3, 0), "c": (1 / 3, 0)}
    assert ("a > b", "b > c") in {(origin, to) for origin, to, _ in result.transitions.rows()}


def test_a_repeated_channel_is_one_visit_and_a_short_path_is_one_state():
    # Order 1: "a > a > b" walks start → a → b (no a → a). Order 3: "a > b" is shorter than
    # three channels, so it is the single state "a > b".
    walked = markov_credit(journeys_of(["a > a > b"], [1], [0.0], [0]), order=1).transitions
    short = markov_credit(journeys_of(["a > b"], [1], [0.0], [0]), order=3).transitions

    assert [(origin, to) for origin, to, _ in walked.rows()] == [
        ("(start)", "a"),
        ("a", "b"),
        ("b", "(conversion)"),
    ]
    assert [(origin, to) for origin, to, _ in short.rows()] == [("(start)", "a > b"), ("a > b", "(conversion)")]


def test_markov_needs_a_conversion_and_an_order_from_one_to_four():
    with pytest.raises(InvalidInput) as no_conversion:
        markov_credit(journeys_of(["a"], [0], [0.0], [3]))
    with pytest.raises(InvalidInput) as bad_order:
        markov_credit(TWO_STEP, order=5)

    assert (no_conversion.value.field, bad_order.value.field) == ("total_conversions", "order")
