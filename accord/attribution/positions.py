"""How each rule-based model shares one conversion among the touches before it.

A conversion (a lead created, an MQL, an opportunity, its pipeline or its revenue) has the
touches of its journey, in time order, none after the conversion, and the moments that
give touches their roles:

- **first**: the journey's first touch;
- **lead creation**: the last touch at or before the lead was created;
- **opportunity creation**: the last touch at or before the opportunity was created;
- **close**: the last touch at or before the deal closed.

| model | shares |
| --- | --- |
| `first` | all to the first touch |
| `last` | all to the last touch |
| `linear` | equal shares to every touch |
| `u_shaped` | 40% first, 40% lead creation, 20% over the other touches |
| `w_shaped` | 30% first, 30% lead creation, 30% opportunity creation, 10% over the others |
| `full_path` | 22.5% each to first, lead creation, opportunity creation and close, 10% over the others |
| `time_decay` | each touch in proportion to 2^(−age / half-life), age = time before the conversion |

Where one touch holds several roles it takes all their shares (a journey of one touch gives
it everything). A role the conversion does not have — no opportunity yet, no touch before
the lead was created — is left out, and where no touch is left for "the others" their share
goes nowhere; either way the touches' shares are then scaled to sum to exactly 1. So a
journey of two touches, first and lead creation, gives each half under `u_shaped`."""

import polars as pl

from accord.core.errors import InvalidInput

MODELS = ("first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay")
ROLES = ("first", "lead_creation", "opportunity_creation", "close")
ROLE_SHARES = {
    "u_shaped": ({"first": 0.4, "lead_creation": 0.4}, 0.2),
    "w_shaped": ({"first": 0.3, "lead_creation": 0.3, "opportunity_creation": 0.3}, 0.1),
    "full_path": (dict.fromkeys(ROLES, 0.225), 0.1),
}
DEFAULT_HALF_LIFE_DAYS = 7.0
MICROSECONDS_A_DAY = 86_400_000_000


def touch_shares(
    touches: pl.DataFrame, conversions: pl.DataFrame, model: str, *, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> pl.DataFrame:
    """`touches`: `conversion`, `at` (UTC datetime), `order` (ties at the same instant: the
    lower first), and whatever they are credited to; `conversions`: `conversion`,
    `converted_at`, `lead_created_at`, `opportunity_created_at`, `closed_at` (null when
    the conversion has none). Returns `touches` with `share` (each conversion's sum to 1),
    leaving out touches after their conversion."""
    model_check(model, half_life_days)
    journey = journey_of(touches, conversions)
    shared = journey.with_columns(weight_of(model, half_life_days).alias("share")).with_columns(scaled("share"))
    return shared.drop(*JOURNEY_COLUMNS)


def model_check(model: str, half_life_days: float) -> None:
    if model not in MODELS:
        raise InvalidInput(f"The model is one of {', '.join(MODELS)}.", field="model")
    if model == "time_decay" and not half_life_days > 0:
        raise InvalidInput("The half-life is a positive number of days.", field="half_life_days")


# What `journey_of` adds to the touches, for `weight_of` to read.
JOURNEY_COLUMNS = ("position", "touches", "age_days", *ROLES)


def journey_of(touches: pl.DataFrame, conversions: pl.DataFrame) -> pl.DataFrame:
    """The touches (as `touch_shares` takes them) at or before their conversion, in order,
    with what every model's shares are worked out from: `position` in the journey,
    `touches` in it, `age_days` before its latest touch, and a flag per role. Prepared once
    for all the models of a report.

    Sorted by conversion, each journey is a run of rows: its first and last row numbers
    (`_first`, `_last`) give every per-journey figure by arithmetic and `gather`, several
    times faster than grouping each one (`over`) when there are a million small journeys."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    conversion = pl.col("conversion")
    journey = (
        touches.join(conversions.select(CONVERSION_COLUMNS), on="conversion")
        .filter(pl.col("at") <= pl.col("converted_at"))
        .sort("conversion", "at", "order")
        .with_columns(
            pl.when(conversion.ne_missing(conversion.shift(1))).then(row).forward_fill().alias("_first"),
            pl.when(conversion.ne_missing(conversion.shift(-1))).then(row).backward_fill().alias("_last"),
        )
        .with_columns(
            (row - pl.col("_first")).alias("position"),
            (pl.col("_last") - pl.col("_first") + 1).alias("touches"),
            # Ages counted from the conversion's latest touch (its last row), so the largest
            # time-decay weight is 1 and a journey years long cannot round every weight to 0.
            ((pl.col("at").gather(pl.col("_last")) - pl.col("at")).dt.total_microseconds() / MICROSECONDS_A_DAY).alias(
                "age_days"
            ),
        )
    )
    return _with_roles(journey).drop(*CONVERSION_COLUMNS[1:], "_first", "_last")


CONVERSION_COLUMNS = ("conversion", "converted_at", "lead_created_at", "opportunity_created_at", "closed_at")


def weight_of(model: str, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> pl.Expr:
    """Each touch's weight in its conversion under `model`, over a `journey_of` frame: its
    share before `scaled` makes a conversion's shares sum to 1. Kept apart from the scaling
    because a window inside a window (the role models count their touches without a role
    per conversion) costs Polars time that grows faster than the rows: 53 of the 124 s of a
    year's lead report over 1,000,000 leads went there."""
    if model == "first":
        return (pl.col("position") == 0).cast(pl.Float64)
    if model == "last":
        return (pl.col("position") == pl.col("touches") - 1).cast(pl.Float64)
    if model == "linear":
        return 1.0 / pl.col("touches")
    if model == "time_decay":
        return pl.lit(0.5).pow(pl.col("age_days") / half_life_days)
    shares, others = ROLE_SHARES[model]
    held = [pl.col(role).cast(pl.Float64) * weight for role, weight in shares.items()]
    has_role = pl.any_horizontal(pl.col(role) for role in shares)
    unroled = (~has_role).sum().over("conversion")
    return pl.sum_horizontal(held) + pl.when(~has_role).then(others / unroled).otherwise(0.0)


def scaled(column: str) -> pl.Expr:
    """The weights in `column` (a `weight_of` already computed) as shares summing to 1 per
    conversion."""
    return (pl.col(column) / pl.col(column).sum().over("conversion")).alias(column)


def _with_roles(journey: pl.DataFrame) -> pl.DataFrame:
    """A flag per role: is this the touch that holds it — the last touch at or before the
    role's moment. A journey's touches are in time order, so those at or before a moment
    are its first few: the holder's position is their count less one."""

    def last_by(moment: str) -> pl.Expr:
        before = (pl.col("at") <= pl.col(moment)).fill_null(False).cast(pl.Int64)
        counted = before.cum_sum()  # whole numbers: exact, unlike a running sum of floats
        in_journey = (
            counted.gather(pl.col("_last")) - counted.gather(pl.col("_first")) + before.gather(pl.col("_first"))
        )
        return pl.col("position") == in_journey - 1

    return journey.with_columns(
        (pl.col("position") == 0).alias("first"),
        last_by("lead_created_at").alias("lead_creation"),
        last_by("opportunity_created_at").alias("opportunity_creation"),
        last_by("closed_at").alias("close"),
    )
