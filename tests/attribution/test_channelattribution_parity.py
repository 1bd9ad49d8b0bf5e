"""Parity with the `channelattribution` package, run as a peer on the same path files (it
is a test extra). Its first, last and linear models are exact, so Accord's must equal them;
its Markov model simulates walks (its answers move by a few percent from seed to seed),
so Accord's exact solution must lie within 4% of its mean over 32 seeds for every channel
holding at least 5% of the conversions, at the same order."""

import numpy as np
import pandas as pd
import pytest

from accord.attribution.markov import markov_credit
from accord.attribution.paths import journeys_of
from accord.attribution.rules import channel_credit

peer = pytest.importorskip("ChannelAttribution", reason="the channelattribution test extra is not installed")

CHANNELS = ["search", "email", "social", "display", "webinar", "events", "partner"]


def _table(paths: list[list[str]], converted: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"path": [" > ".join(path) for path in paths], "conv": converted, "value": value})
    frame["null"] = 1 - frame["conv"]
    return frame.groupby("path", as_index=False).agg(
        total_conversions=("conv", "sum"), total_conversion_value=("value", "sum"), total_null=("null", "sum")
    )


def _journeys(shape: str, seed: int = 7, count: int = 4_000) -> pd.DataFrame:
    """Generated journeys of one shape, counted by distinct path."""
    rng = np.random.default_rng(seed)
    strength = dict(zip(CHANNELS, [0.9, 0.5, 0.3, 0.0, 1.4, 1.0, 0.7], strict=True))
    if shape == "single touch":
        paths = [[rng.choice(CHANNELS)] for _ in range(count)]
    elif shape == "repeated channels":
        paths = [list(rng.choice(CHANNELS[:3], rng.integers(2, 7))) for _ in range(count)]
    elif shape == "long paths":
        paths = [list(rng.choice(CHANNELS, rng.integers(8, 16))) for _ in range(count)]
    else:  # "never converts": one path in ten also touches print, and none of those converts
        paths = [list(rng.choice(CHANNELS, rng.integers(1, 5))) for _ in range(count)]
        for path in paths[::10]:
            path.insert(int(rng.integers(0, len(path) + 1)), "print")
    odds = np.array([-2.5 + sum(strength.get(channel, 0.0) for channel in set(path)) * 0.8 for path in paths])
    converted = (rng.random(count) < 1 / (1 + np.exp(-odds))).astype(int)
    if shape == "never converts":
        converted[::10] = 0
    value = np.where(converted == 1, np.round(rng.lognormal(6, 0.5, count), 2), 0.0)
    return _table(paths, converted, value)


SHAPES = ["single touch", "repeated channels", "long paths", "never converts"]


def _ours(table: pd.DataFrame):
    return journeys_of(
        table["path"].tolist(),
        table["total_conversions"].tolist(),
        table["total_conversion_value"].tolist(),
        table["total_null"].tolist(),
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_first_last_and_linear_equal_the_packages(shape):
    table = _journeys(shape)
    theirs = peer.heuristic_models(
        table, "path", "total_conversions", "total_conversion_value", sep=">", flg_pro=False
    ).set_index("channel_name")

    for model, prefix in (("first", "first_touch"), ("last", "last_touch"), ("linear", "linear_touch")):
        ours = channel_credit(_ours(table), model)
        assert sorted(ours["channel"].to_list()) == sorted(theirs.index)
        for channel, conversions, value in ours.rows():
            assert conversions == pytest.approx(theirs.loc[channel, f"{prefix}_conversions"], abs=1e-9)
            assert value == pytest.approx(theirs.loc[channel, f"{prefix}_value"], abs=1e-9)
        if shape == "never converts":  # no rule credits a channel on no converting path
            assert ours.filter(ours["channel"] == "print").select("conversions", "value").row(0) == (0, 0)


@pytest.mark.parametrize(("shape", "order"), [*((shape, 1) for shape in SHAPES), ("repeated channels", 2)])
def test_markov_lies_within_four_percent_of_the_packages_mean_over_32_seeds(shape, order):
    table = _journeys(shape)
    runs = [
        peer.markov_model(
            table, "path", "total_conversions", "total_conversion_value", "total_null",
            order=order, sep=">", seed=seed, verbose=False, flg_pro=False,
        ).set_index("channel_name")
        for seed in range(32)
    ]  # fmt: skip
    mean = pd.concat([run["total_conversions"] for run in runs], axis=1).mean(axis=1)
    mean_value = pd.concat([run["total_conversion_value"] for run in runs], axis=1).mean(axis=1)
    ours = markov_credit(_ours(table), order=order).credit
    total = table["total_conversions"].sum()

    checked = 0
    for channel, conversions, value in ours.rows():
        if conversions >= 0.05 * total:
            checked += 1
            assert conversions == pytest.approx(mean[channel], rel=0.04), channel
            assert value == pytest.approx(mean_value[channel], rel=0.04), channel
    assert checked >= 1
