"""Data-driven credit: the journeys as an absorbing Markov chain, and each channel's
removal effect — the share of conversions that would be lost if the channel were taken
away, i.e. the probability that a converting walk through the chain touched it.

States are the last `order` channels seen (a path shorter than that is one state of its
own), a repeated state is one visit (`email > email` is `email` at order 1), and every walk
starts in `(start)` and ends in `(conversion)` or `(null)`. Transition probabilities are
the observed transitions, each path weighted by its journeys (conversions + nulls), as the
`channelattribution` package counts them.

That package estimates the removal effects by simulating walks, so its answers move from
seed to seed. Here they are solved exactly: with P the transitions among the transient
states and r the one-step probabilities of converting, the probability of converting from
each state is x = (I − P)⁻¹ r (a sparse linear solve). Removing a channel removes every
state that contains it (a walk reaching one ends without converting); the removal effect
is 1 − x'(start) / x(start). Value works the same way with r weighted by the mean value of
the conversions that ended in each state. A channel's credit is its share of the sum of
removal effects, times the journeys' conversions (or value), so credits sum exactly to
the totals."""

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse
from scipy.sparse.linalg import splu

from accord.attribution.paths import Journeys
from accord.attribution.rules import every_channel, ranked
from accord.core.errors import InvalidInput

ORDERS = (1, 2, 3, 4)
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
NAME_SEPARATOR = " > "


@dataclass(frozen=True, slots=True)
class MarkovCredit:
    """`credit`: `channel`, `conversions`, `value` (as the rule-based models give it);
    `removal_effects`: `channel`, `conversion`, `value` (each in [0, 1]); `transitions`:
    `from`, `to`, `probability`, one row per observed transition."""

    order: int
    credit: pl.DataFrame
    removal_effects: pl.DataFrame
    transitions: pl.DataFrame


def markov_credit(journeys: Journeys, *, order: int = 1) -> MarkovCredit:
    if order not in ORDERS:
        raise InvalidInput(f"The Markov order is one of {', '.join(map(str, ORDERS))}.", field="order")
    if journeys.conversions == 0:
        raise InvalidInput("No journey converted: there is nothing to attribute.", field="total_conversions")
    names = every_channel(journeys).sort("channel")["channel"]
    visits, states = _visits(journeys.frame, names, order)
    chain = _Chain.of(visits, states.height)
    full_conversion, full_value = chain.solve(np.ones(chain.size, dtype=bool))
    contains = (
        states.explode("channels", empty_as_null=False).select("state", pl.col("channels").alias("channel")).unique()
    )
    effects = []
    for channel in range(names.len()):
        holding = contains.filter(pl.col("channel") == channel)["state"].to_numpy()
        keep = np.ones(chain.size, dtype=bool)
        keep[holding] = False
        conversion, value = chain.solve(keep)
        effects.append((1 - conversion / full_conversion, 1 - value / full_value if full_value else 0.0))
    removal = pl.DataFrame(
        {
            "channel": names,
            "conversion": [max(effect[0], 0.0) for effect in effects],
            "value": [max(effect[1], 0.0) for effect in effects],
        }
    )
    credit = removal.select(
        "channel",
        (pl.col("conversion") / pl.col("conversion").sum() * journeys.conversions).alias("conversions"),
        _share(pl.col("value"), journeys.value).alias("value"),
    )
    return MarkovCredit(order, ranked(credit), removal, _transitions(chain, states, names))


def _share(effect: pl.Expr, total: float) -> pl.Expr:
    return pl.when(effect.sum() > 0).then(effect / effect.sum() * total).otherwise(0.0)


def _visits(frame: pl.DataFrame, names: pl.Series, order: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The states each path walks through, repeats merged: `path`, `state` (1…, 0 being the
    start), `weight` (its journeys), `conversions`, `nulls`, `value`, in walk order; and the
    states: `state`, `channels` (the channel numbers in it, in order).

    Rows stay in path order throughout, so "the same path" is a comparison with the
    neighbouring row rather than a window over a million small groups."""
    base = names.len() + 1
    if base**order >= 2**62:
        raise InvalidInput(f"Too many channels ({names.len()}) for a chain of order {order}.", field="order")
    codes = dict(zip(names.to_list(), range(names.len()), strict=True))
    touches = (
        frame.with_row_index("path")
        .filter((pl.col("conversions") + pl.col("nulls")) > 0)
        .with_columns(
            pl.col("channels").list.len().alias("length"),
            pl.int_ranges(0, pl.col("channels").list.len()).alias("at"),
        )
        .explode("channels", "at", empty_as_null=False)
        .with_columns(pl.col("channels").replace_strict(codes, return_dtype=pl.Int64).alias("channel"))
    )
    # The window of `order` channels starting at each touch (channel numbers + 1, 0 past the
    # end of the path); a path shorter than `order` has one window, its whole path.
    window = [
        pl.when(pl.col("path").shift(-step) == pl.col("path")).then(pl.col("channel").shift(-step) + 1).otherwise(0)
        for step in range(order)
    ]
    starts = ((pl.col("length") >= order) & (pl.col("at") <= pl.col("length") - order)) | (
        (pl.col("length") < order) & (pl.col("at") == 0)
    )
    windows = touches.with_columns(*(part.alias(f"c{step}") for step, part in enumerate(window))).filter(starts)
    windows = windows.with_columns(
        pl.sum_horizontal(pl.col(f"c{step}") * base**step for step in range(order)).alias("key")
    )
    repeat = (pl.col("path") == pl.col("path").shift(1)) & (pl.col("key") == pl.col("key").shift(1))
    merged = windows.filter(~repeat.fill_null(False))
    states = merged.unique("key", keep="first", maintain_order=True).with_row_index("state", offset=1)
    channels = pl.concat_list(pl.col(f"c{step}") for step in range(order)).list.eval(
        pl.element().filter(pl.element() > 0) - 1
    )
    visits = merged.join(states.select("key", "state"), on="key", maintain_order="left").select(
        "path",
        pl.col("state").cast(pl.Int64),
        (pl.col("conversions") + pl.col("nulls")).alias("weight"),
        "conversions",
        "nulls",
        "value",
    )
    return visits, states.select(pl.col("state").cast(pl.Int64), channels.alias("channels"))


@dataclass(slots=True)
class _Chain:
    """The transient states 0 (start) … n−1: the transition counts among them, and the
    counts and value into the absorbing states from each."""

    size: int
    moves: pl.DataFrame  # from, to, count
    converted: np.ndarray
    nulled: np.ndarray
    leaving: np.ndarray  # the walks out of each state, into any other
    matrix: sparse.csc_array  # I − P
    conversion_step: np.ndarray  # r: the probability of converting next, from each state
    value_step: np.ndarray  # r weighted by the mean value of the conversions from each state

    @classmethod
    def of(cls, visits: pl.DataFrame, states: int) -> "_Chain":
        size = states + 1
        same_path = pl.col("path") == pl.col("path").shift(1)
        steps = visits.with_columns(pl.when(same_path).then(pl.col("state").shift(1)).otherwise(0).alias("from"))
        moves = steps.group_by("from", pl.col("state").alias("to")).agg(pl.col("weight").sum().alias("count"))
        last = (pl.col("path") != pl.col("path").shift(-1)).fill_null(True)
        ends = steps.filter(last).group_by("state").agg(pl.col("conversions", "nulls", "value").sum())
        converted, nulled, value = (np.zeros(size) for _ in range(3))
        at = ends["state"].to_numpy()
        converted[at], nulled[at], value[at] = (ends[name].to_numpy() for name in ("conversions", "nulls", "value"))
        rows, columns, counts = (moves[name].to_numpy() for name in ("from", "to", "count"))
        leaving = np.bincount(rows, weights=counts, minlength=size) + converted + nulled
        probability = sparse.csc_array((counts / leaving[rows], (rows, columns)), shape=(size, size))
        conversion_step = np.divide(converted, leaving, out=np.zeros(size), where=leaving > 0)
        mean_value = np.divide(value, converted, out=np.zeros(size), where=converted > 0)
        return cls(
            size=size,
            moves=moves,
            converted=converted,
            nulled=nulled,
            leaving=leaving,
            matrix=(sparse.identity(size, format="csc") - probability).tocsc(),
            conversion_step=conversion_step,
            value_step=conversion_step * mean_value,
        )

    def solve(self, keep: np.ndarray) -> tuple[float, float]:
        """The probability of converting from the start, and the expected value converted,
        when only the states in `keep` are there (a walk into any other ends unconverted)."""
        kept = np.flatnonzero(keep)
        system = self.matrix[kept][:, kept].tocsc()
        steps = np.column_stack([self.conversion_step[kept], self.value_step[kept]])
        if kept.size <= DIRECT_SOLVE_STATES:
            solution = splu(system).solve(steps)
        else:
            solution = _absorbed(sparse.identity(kept.size, format="csr") - system.tocsr(), steps)
        return float(solution[0, 0]), float(solution[0, 1])


DIRECT_SOLVE_STATES = 1_000  # beyond this (orders 3 and 4 over many channels) LU fills in


def _absorbed(moves: sparse.csr_array, steps: np.ndarray) -> np.ndarray:
    """x = steps + moves · x, iterated from x = steps until no value moves by more than
    a part in 10¹⁵. Every state reaches an absorbing one, so the walk's chance of still
    moving after n steps falls geometrically, and so does the error."""
    solution = steps
    for _ in range(MAX_ITERATIONS):
        following = steps + moves @ solution
        if np.max(np.abs(following - solution)) <= 1e-15 * max(np.max(np.abs(following)), 1e-300):
            return following
        solution = following
    raise ArithmeticError(f"The Markov chain did not settle in {MAX_ITERATIONS:,} steps.")


MAX_ITERATIONS = 100_000  # a safety net: walks that almost never end would need this many


def _transitions(chain: _Chain, states: pl.DataFrame, names: pl.Series) -> pl.DataFrame:
    """`from`, `to` (state labels) and `probability`: every observed transition."""
    labels = pl.Series([START, *(NAME_SEPARATOR.join(names[i] for i in ids) for ids in states["channels"].to_list())])
    absorbed = pl.DataFrame({"from": np.arange(chain.size), CONVERSION: chain.converted, NULL: chain.nulled}).unpivot(
        index="from", variable_name="to_label", value_name="count"
    )
    rows = pl.concat(
        [
            chain.moves.select("from", pl.col("to").replace_strict(range(len(labels)), labels).alias("to_label"),
                               pl.col("count").cast(pl.Float64)),
            absorbed.filter(pl.col("count") > 0),
        ]
    )  # fmt: skip
    return rows.select(
        pl.col("from").replace_strict(range(len(labels)), labels).alias("from"),
        pl.col("to_label").alias("to"),
        (pl.col("count") / pl.col("from").replace_strict(range(chain.size), chain.leaving.tolist())).alias(
            "probability"
        ),
    ).sort("from", "to")
