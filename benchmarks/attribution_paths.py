"""Path-level attribution beside the `channelattribution` package, on the same file in the
same run: Accord's exact Markov chain against the package's simulation, and the
first/last/linear rules against its `heuristic_models`.

    python benchmarks/attribution_paths.py                       1,000,000 journeys, orders 1–4
    python benchmarks/attribution_paths.py --journeys 100000 --orders 1,2

The journeys are generated (seeded): 12 channels, each journey a walk whose next channel
depends on the current one (a random preference per channel), 1–12 touches (geometric,
mean 3.2), converting with a probability set by the channels it touched — `display` never
helps, `demo` helps most — and a value per conversion. Identical paths are counted
together, as the package's input format has them. Each side is timed reading the file and
attributing (median of --repeat runs); the package runs with its defaults (one thread,
seed 0). Prints a table and writes benchmarks/results/attribution-paths.json
(--one-row-each: attribution-paths-rows.json)."""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from report_bench import write_result  # noqa: E402

CHANNELS = (
    "search",
    "email",
    "social",
    "display",
    "webinar",
    "events",
    "partner",
    "content",
    "ads",
    "referral",
    "demo",
    "direct",
)
LIFT = {
    "display": 0.0,
    "demo": 1.6,
    "webinar": 0.8,
    "events": 0.6,
    "referral": 0.7,
}  # log-odds added per channel touched


def journeys(count: int, seed: int, *, grouped: bool = True) -> pl.DataFrame:
    """`path`, `total_conversions`, `total_conversion_value`, `total_null`: `count` journeys,
    counted by distinct path (or one row each when not `grouped`)."""
    rng = np.random.default_rng(seed)
    preference = rng.dirichlet(np.full(len(CHANNELS), 0.6), size=len(CHANNELS))
    lengths = np.minimum(rng.geometric(0.31, count), 12)
    steps = np.zeros((count, 12), dtype=np.int64)
    steps[:, 0] = rng.integers(0, len(CHANNELS), count)
    cumulative = preference.cumsum(axis=1)
    for step in range(1, 12):
        draw = rng.random(count)
        steps[:, step] = (draw[:, None] > cumulative[steps[:, step - 1]]).sum(axis=1).clip(0, len(CHANNELS) - 1)
    touched = np.zeros((count, len(CHANNELS)), dtype=bool)
    for step in range(12):
        live = lengths > step
        touched[np.flatnonzero(live), steps[live, step]] = True
    lift = np.array([LIFT.get(name, 0.25) for name in CHANNELS])
    odds = -3.2 + touched.astype(float) @ lift
    converted = rng.random(count) < 1 / (1 + np.exp(-odds))
    value = np.where(converted, np.round(rng.lognormal(7, 0.8, count), 2), 0.0)
    names = np.array(CHANNELS, dtype=object)
    paths = [" > ".join(names[row[:length]]) for row, length in zip(steps, lengths, strict=True)]
    frame = pl.DataFrame({"path": paths, "converted": converted, "value": value})
    if not grouped:
        return frame.select(
            "path",
            pl.col("converted").cast(pl.Int64).alias("total_conversions"),
            pl.col("value").alias("total_conversion_value"),
            (~pl.col("converted")).cast(pl.Int64).alias("total_null"),
        )
    return (
        frame.group_by("path")
        .agg(
            pl.col("converted").sum().cast(pl.Int64).alias("total_conversions"),
            pl.col("value").sum().round(2).alias("total_conversion_value"),
            (~pl.col("converted")).sum().cast(pl.Int64).alias("total_null"),
        )
        .sort("path")
    )


def seconds(work, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        runs.append(time.perf_counter() - began)
    return round(statistics.median(runs), 3)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--orders", default="1,2,3,4")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one-row-each", action="store_true", help="A row per journey, not per distinct path.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    options = parser.parse_args(argv)
    orders = [int(order) for order in options.orders.split(",")]
    name = "attribution-paths-rows" if options.one_row_each else "attribution-paths"
    options.json = options.json or HERE / "results" / f"{name}.json"

    import pandas as pd
    from ChannelAttribution import heuristic_models, markov_model

    from accord.attribution.markov import markov_credit
    from accord.attribution.paths import read_paths
    from accord.attribution.rules import channel_credit

    table = journeys(options.journeys, options.seed, grouped=not options.one_row_each)
    file = Path(tempfile.mkdtemp(prefix="accord-paths-")) / "paths.csv"
    table.write_csv(file, separator=";")
    print(f"{options.journeys:,} journeys in {table.height:,} rows, {table['total_conversions'].sum():,} conversions")

    def package(work):
        data = pd.read_csv(file, sep=";")
        return work(data)

    rows = []

    def accord_rules():
        read = read_paths(file)  # once, as the package reads its data frame once for all three
        return [channel_credit(read, model) for model in ("first", "last", "linear")]

    accord_rules = seconds(accord_rules, options.repeat)
    package_rules = seconds(
        lambda: package(
            lambda data: heuristic_models(
                data, "path", "total_conversions", "total_conversion_value", sep=">", flg_pro=False
            )
        ),
        options.repeat,
    )
    rows.append({"model": "first, last, linear", "accord_s": accord_rules, "channelattribution_s": package_rules})
    for order in orders:
        accord = seconds(lambda order=order: markov_credit(read_paths(file), order=order), options.repeat)
        peer = seconds(
            lambda order=order: package(
                lambda data: markov_model(
                    data, "path", "total_conversions", "total_conversion_value", "total_null",
                    order=order, sep=">", seed=0, verbose=False, flg_pro=False,
                )
            ),
            options.repeat,
        )  # fmt: skip
        rows.append({"model": f"markov, order {order}", "accord_s": accord, "channelattribution_s": peer})

    print(f"{'model':<22} {'Accord':>9} {'channelattribution':>19} {'ratio':>7}")
    for row in rows:
        ratio = row["accord_s"] / row["channelattribution_s"]
        row["ratio"] = round(ratio, 2)
        print(f"{row['model']:<22} {row['accord_s']:>8.3f}s {row['channelattribution_s']:>18.3f}s {ratio:>7.2f}")
    write_result(
        options.json,
        {
            "journeys": options.journeys,
            "rows": table.height,
            "one_row_each": options.one_row_each,
            "conversions": int(table["total_conversions"].sum()),
            "repeat": options.repeat,
            "seed": options.seed,
            "models": rows,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
