"""The attribution report: the conversions of a period credited to campaigns or channels by
every model side by side — the seven rule-based ones (`positions`) and the Markov chain's
removal effects (`markov`) — and pipeline influence.

Each model shares every conversion among the touches of its journey (`journeys`), so the
credits of a model add up to the period's total: the number of conversions (`conversions`)
and what they weigh (`value`: 1 each for leads, MQLs and opportunities; the amount for
pipeline and revenue). A conversion without a touch in its window gives its whole weight
to the "(no touch)" row under every model.

The Markov model learns the chain from the period's touched journeys that converted and
those that did not (`journeys.journeys_read(unconverted=True)`), and shares the touched
conversions in proportion to each group's removal effect.

**Pipeline influence** (`influence_report`) is the other question: not how to share a deal,
but which deals a campaign took part in — every deal created in the period with at least
one touch from the campaign in its window counts fully for it (so the rows add up to more
than the total), beside what each rule-based model attributes to the campaign."""

from dataclasses import dataclass
from datetime import date

import polars as pl

from accord.attribution import journeys as journeys_
from accord.attribution.markov import ORDERS, markov_credit
from accord.attribution.paths import Journeys as PathJourneys
from accord.attribution.positions import DEFAULT_HALF_LIFE_DAYS, MODELS, journey_of, model_check, scaled, weight_of
from accord.core.errors import InvalidInput
from accord.reports.deals import last_status, status_history
from accord.reports.selectors import period_bounds

ALL_MODELS = (*MODELS, "markov")
MODEL_LABELS = {
    "first": "First touch",
    "last": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "time_decay": "Time decay",
    "markov": "Markov chain",
}
CREDIT_SCHEMA = {"group": pl.String, "conversions": pl.Float64, "value": pl.Float64}


@dataclass(frozen=True, slots=True)
class AttributionReport:
    """`credits`: per model, `group`, `conversions`, `value` (every group of the report, 0
    where the model gave it nothing); `groups`: `group`, `name`, `channel`;
    `removal_effects` (Markov): `group`, `removal_effect`, `removal_effect_value`;
    `transitions` (Markov): `from`, `to`, `probability`."""

    date_from: date
    date_to: date
    conversion: str
    by: str
    lookback_days: int
    half_life_days: float
    order: int
    conversions: int
    value: float
    no_touch: int
    groups: pl.DataFrame
    credits: dict[str, pl.DataFrame]
    removal_effects: pl.DataFrame | None
    transitions: pl.DataFrame | None

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(self.credits)

    def rows(self, model: str) -> list[dict]:
        """One model's rows, most value first: group, name, channel, conversions, value,
        share (of the total value; None when there is none) — and the removal effects for
        Markov."""
        credit = self.credits[model].join(self.groups, on="group", how="left")
        if model == "markov" and self.removal_effects is not None:
            credit = credit.join(self.removal_effects, on="group", how="left")
        share = pl.col("value") / self.value if self.value else pl.lit(None, pl.Float64)
        columns = ["group", "name", "channel", "conversions", "value", "share"]
        if "removal_effect" in credit.columns:
            columns += ["removal_effect", "removal_effect_value"]
        return credit.with_columns(share.alias("share")).select(columns).to_dicts()

    def side_by_side(self) -> list[dict]:
        """Every group with every model's value: group, name, channel, then one key per
        model; most value under the first model first."""
        frame = self.groups
        for model, credit in self.credits.items():
            frame = frame.join(credit.select("group", pl.col("value").alias(model)), on="group", how="left")
        return frame.fill_null(0.0).sort([self.models[0], "group"], descending=[True, False]).to_dicts()

    def as_dict(self, model: str | None = None) -> dict:
        models = (model,) if model else self.models
        result = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "conversion": self.conversion,
            "by": self.by,
            "lookback_days": self.lookback_days,
            "half_life_days": self.half_life_days,
            "order": self.order,
            "total_conversions": self.conversions,
            "total_value": self.value,
            "no_touch": self.no_touch,
            "models": {name: self.rows(name) for name in models},
        }
        if "markov" in models and self.transitions is not None:
            result["transitions"] = self.transitions.to_dicts()
        return result


def _options_check(models: tuple[str, ...], order: int, half_life_days: float) -> None:
    unknown = [model for model in models if model not in ALL_MODELS]
    if unknown or not models:
        raise InvalidInput(f"The model is one of {', '.join(ALL_MODELS)}.", field="model")
    if order not in ORDERS:
        raise InvalidInput(f"The Markov order is one of {', '.join(map(str, ORDERS))}.", field="order")
    model_check("time_decay", half_life_days)


def attribution_report(
    *,
    date_from: date,
    date_to: date,
    conversion: str = "lead",
    by: str = "campaign",
    models: tuple[str, ...] = ALL_MODELS,
    order: int = 1,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    lookback_days: int = journeys_.DEFAULT_LOOKBACK_DAYS,
) -> AttributionReport:
    """The conversions of [date_from, date_to] (UTC days) credited by `models`."""
    _options_check(models, order, half_life_days)
    start, end = period_bounds(date_from, date_to)
    read = journeys_.journeys_read(
        start, end, conversion=conversion, by=by, lookback_days=lookback_days, unconverted="markov" in models
    )
    return _credited(read, date_from, date_to, models, order, half_life_days, lookback_days)


def _credited(
    read: journeys_.Journeys,
    date_from: date,
    date_to: date,
    models: tuple[str, ...],
    order: int,
    half_life_days: float,
    lookback_days: int,
) -> AttributionReport:
    conversions = read.conversions
    journey = journey_of(read.touches, conversions).join(
        conversions.select("conversion", "value"), on="conversion", how="left"
    )
    untouched = conversions.filter(~pl.col("conversion").is_in(journey["conversion"].unique().implode()))
    no_touch = pl.DataFrame(
        {
            "group": [journeys_.NO_TOUCH],
            "conversions": [float(untouched.height)],
            "value": [float(untouched["value"].sum())],
        },
        schema=CREDIT_SCHEMA,
    )
    rules = [model for model in models if model in MODELS]
    credits = _rule_credits(journey, rules, half_life_days)
    removal = transitions = None
    if "markov" in models:
        credits["markov"], removal, transitions = _markov(journey, read.unconverted, order)
    groups = pl.concat(
        [
            read.groups,
            pl.DataFrame(
                {"group": [journeys_.NO_TOUCH], "name": [journeys_.NO_TOUCH], "channel": [None]},
                schema=read.groups.schema,
            ),
        ]
    ).unique("group", keep="first")
    every = groups.select("group")
    complete = {
        model: every.join(pl.concat([credits[model], no_touch]), on="group", how="left")
        .with_columns(pl.col("conversions", "value").fill_null(0.0))
        .sort(["value", "group"], descending=[True, False])
        for model in models
    }
    return AttributionReport(
        date_from=date_from,
        date_to=date_to,
        conversion=read.conversion,
        by=read.by,
        lookback_days=lookback_days,
        half_life_days=half_life_days,
        order=order,
        conversions=conversions.height,
        value=float(conversions["value"].sum()),
        no_touch=untouched.height,
        groups=groups.sort("group"),
        credits=complete,
        removal_effects=removal,
        transitions=transitions,
    )


def _rule_credits(journey: pl.DataFrame, models: list[str], half_life_days: float) -> dict[str, pl.DataFrame]:
    """Each model's credit per group, from one pass over the journeys."""
    if not models:
        return {}
    # Weights first, then scaled in a second step: no window inside a window (`weight_of`).
    weights = journey.select(
        "conversion", "group", "value", *(weight_of(model, half_life_days).alias(model) for model in models)
    )
    shared = weights.with_columns(scaled(model) for model in models)
    totals = shared.group_by("group").agg(
        *(pl.col(model).sum().alias(f"{model}:conversions") for model in models),
        *((pl.col(model) * pl.col("value")).sum().alias(f"{model}:value") for model in models),
    )
    return {
        model: totals.select(
            "group", pl.col(f"{model}:conversions").alias("conversions"), pl.col(f"{model}:value").alias("value")
        )
        for model in models
    }


EMPTY_EFFECTS = {"group": pl.String, "removal_effect": pl.Float64, "removal_effect_value": pl.Float64}
EMPTY_TRANSITIONS = {"from": pl.String, "to": pl.String, "probability": pl.Float64}


def _markov(
    journey: pl.DataFrame, unconverted: pl.DataFrame, order: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Markov credit of the touched conversions, its removal effects and transitions."""
    if journey.is_empty():
        return (
            pl.DataFrame(schema=CREDIT_SCHEMA),
            pl.DataFrame(schema=EMPTY_EFFECTS),
            pl.DataFrame(schema=EMPTY_TRANSITIONS),
        )
    converted = (
        journey.group_by("conversion", maintain_order=True)
        .agg(pl.col("group").alias("channels"), pl.col("value").first())
        .group_by("channels")
        .agg(pl.len().cast(pl.Int64).alias("conversions"), pl.col("value").sum(), pl.lit(0, pl.Int64).alias("nulls"))
    )
    lost = (
        unconverted.sort("subject", "at", "order")
        .group_by("subject", maintain_order=True)
        .agg(pl.col("group").alias("channels"))
        .group_by("channels")
        .agg(
            pl.lit(0, pl.Int64).alias("conversions"), pl.lit(0.0).alias("value"), pl.len().cast(pl.Int64).alias("nulls")
        )
    )
    paths = pl.concat([converted, lost]).group_by("channels").agg(pl.col("conversions", "value", "nulls").sum())
    result = markov_credit(PathJourneys(paths.sort("channels")), order=order)
    credit = result.credit.rename({"channel": "group"})
    effects = result.removal_effects.select(
        pl.col("channel").alias("group"),
        pl.col("conversion").alias("removal_effect"),
        pl.col("value").alias("removal_effect_value"),
    )
    return credit, effects, result.transitions


@dataclass(frozen=True, slots=True)
class InfluenceReport:
    """`rows`: per campaign that touched a deal, the deals it influenced (`opportunities`,
    `amount`) and those of them won by the period's end (`won`, `won_amount`), their shares
    of the period's deals and amount, and `attributed`: per model, the pipeline it
    attributes to the campaign (`attribution`, the pipeline by campaign, has the rest)."""

    date_from: date
    date_to: date
    lookback_days: int
    opportunities: int
    amount: float
    influenced: int  # deals with at least one campaign touch
    influenced_amount: float
    rows: list[dict]
    attribution: AttributionReport

    def as_dict(self) -> dict:
        return {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "lookback_days": self.lookback_days,
            "half_life_days": self.attribution.half_life_days,
            "order": self.attribution.order,
            "total_opportunities": self.opportunities,
            "total_amount": self.amount,
            "influenced_opportunities": self.influenced,
            "influenced_amount": self.influenced_amount,
            "campaigns": self.rows,
        }


def influence_report(
    *,
    date_from: date,
    date_to: date,
    lookback_days: int = journeys_.DEFAULT_LOOKBACK_DAYS,
    models: tuple[str, ...] = MODELS,
    order: int = 1,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> InfluenceReport:
    """The deals created in [date_from, date_to] (UTC days) each campaign touched in the
    window before the deal's creation (account-based), most amount first, beside the
    pipeline `models` attribute to it (the rule-based ones unless asked; Markov reads
    every touch of the period too)."""
    _options_check(models, order, half_life_days)
    start, end = period_bounds(date_from, date_to)
    read = journeys_.journeys_read(
        start, end, conversion="pipeline", by="campaign", lookback_days=lookback_days, unconverted="markov" in models
    )
    attribution = _credited(read, date_from, date_to, models, order, half_life_days, lookback_days)
    deals = read.conversions.select("conversion", pl.col("value").alias("amount"))
    statuses = last_status(status_history(end).filter(pl.col("opportunity").is_in(deals["conversion"].implode())))
    won = statuses.filter(pl.col("status") == "won")["opportunity"].implode()
    deals = deals.with_columns(pl.col("conversion").is_in(won).alias("won"))
    touched = (
        read.touches.filter(pl.col("group") != journeys_.NO_CAMPAIGN)
        .select("conversion", "group")
        .unique()
        .join(deals, on="conversion")
    )
    attributed = attribution.groups.select("group")
    for model, credit in attribution.credits.items():
        attributed = attributed.join(credit.select("group", pl.col("value").alias(model)), on="group", how="left")
    total_amount = float(deals["amount"].sum())
    share_of_amount = pl.col("amount") / total_amount if total_amount else pl.lit(None, pl.Float64)
    per_campaign = (
        touched.group_by("group")
        .agg(
            pl.len().alias("opportunities"),
            pl.col("amount").sum(),
            pl.col("won").sum().alias("won"),
            pl.col("amount").filter(pl.col("won")).sum().alias("won_amount"),
        )
        .join(read.groups, on="group", how="left")
        .join(attributed.select("group", pl.struct(models).alias("attributed")), on="group", how="left")
        .with_columns(
            (pl.col("opportunities") / deals.height).alias("share_of_opportunities"),
            share_of_amount.alias("share_of_amount"),
        )
        .sort(["amount", "group"], descending=[True, False])
    )
    influenced = deals.filter(pl.col("conversion").is_in(touched["conversion"].unique().implode()))
    columns = ["group", "name", "channel", "opportunities", "amount", "won", "won_amount",
               "share_of_opportunities", "share_of_amount", "attributed"]  # fmt: skip
    return InfluenceReport(
        date_from=date_from,
        date_to=date_to,
        lookback_days=lookback_days,
        opportunities=deals.height,
        amount=total_amount,
        influenced=influenced.height,
        influenced_amount=float(influenced["amount"].sum()),
        rows=per_campaign.select(columns).to_dicts(),
        attribution=attribution,
    )
