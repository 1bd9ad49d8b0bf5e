"""Rule-based credit over path-level journeys (`paths.Journeys`): every converting
journey's conversions and value shared among the channels on its path.

- `first`: all of it to the first channel;
- `last`: all of it to the last channel;
- `linear`: an equal share to every touch, so a channel touched twice on a path gets two
  shares.

The same definitions as the `channelattribution` package's `heuristic_models`."""

import polars as pl

from accord.attribution.paths import Journeys

RULES = ("first", "last", "linear")


def channel_credit(journeys: Journeys, model: str) -> pl.DataFrame:
    """`channel`, `conversions`, `value`: every channel on any path (zero when it earned
    nothing), most conversions first. The credits sum to the journeys' totals."""
    frame = journeys.frame
    if model == "linear":
        share = 1.0 / pl.col("channels").list.len()
        touches = frame.select(
            pl.col("channels").alias("channel"),
            (pl.col("conversions") * share).alias("conversions"),
            (pl.col("value") * share).alias("value"),
        ).explode("channel", empty_as_null=False)
    else:
        pick = pl.col("channels").list.first() if model == "first" else pl.col("channels").list.last()
        touches = frame.select(pick.alias("channel"), pl.col("conversions").cast(pl.Float64), "value")
    credited = touches.group_by("channel").agg(pl.col("conversions").sum(), pl.col("value").sum())
    return every_channel(journeys).join(credited, on="channel", how="left").pipe(ranked)


def every_channel(journeys: Journeys) -> pl.DataFrame:
    return journeys.frame.select(pl.col("channels").explode(empty_as_null=False).unique().alias("channel"))


def ranked(credit: pl.DataFrame) -> pl.DataFrame:
    """Missing credit as 0; most conversions first, then by name."""
    return credit.with_columns(pl.col("conversions", "value").fill_null(0.0)).sort(
        ["conversions", "channel"], descending=[True, False]
    )
