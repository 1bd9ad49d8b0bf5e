"""Scoring many leads at once: the same rules as `accord.definitions.scoring`, written as
column expressions (Polars) so a million leads score in seconds. `score_lead` stays the
reference — tests check both agree — and still writes the explanation of a single lead.

Input frames
  leads        `key`, then any of RULE_FIELDS (text as str, company_size as int,
               consent_email as bool; missing columns count as empty) and optionally
               `nurture_since` (UTC datetime; only later touchpoints count, as for a
               recycled lead).
  touchpoints  `key`, `type`, `occurred_at` (UTC datetime); may be None.
Output: `key`, fit, engagement, negative, total (rounded like `score_lead`), qualified,
fast_track, knockout.
"""

from datetime import datetime

import polars as pl

from accord.definitions.document import Condition, DefinitionDocument, Op
from accord.definitions.scoring import SECONDS_PER_DAY

NUMERIC = (Op.GT, Op.GTE, Op.LT, Op.LTE)


def _is_number(value) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) or isinstance(value, bool)


def _condition(condition: Condition, frame_schema: pl.Schema) -> pl.Expr:
    """A boolean expression equal to `condition_matches` for every row."""
    name = condition.field
    dtype = frame_schema.get(name, pl.String)
    column = pl.col(name) if name in frame_schema else pl.lit(None, pl.String)
    is_text = dtype == pl.String
    empty = column.is_null() | (column == "") if is_text else column.is_null()
    present = ~empty & (column != False) if dtype == pl.Boolean else ~empty  # noqa: E712
    match condition.op:
        case Op.PRESENT:
            return present
        case Op.ABSENT:
            return ~present
    target = condition.value
    if condition.op in NUMERIC:
        number = column.cast(pl.Float64, strict=False) if is_text else column.cast(pl.Float64)
        compare = {
            Op.GT: number > target,
            Op.GTE: number >= target,
            Op.LT: number < target,
            Op.LTE: number <= target,
        }[condition.op]
        return ~empty & compare.fill_null(False)
    if condition.op == Op.CONTAINS:
        text = column.str.to_lowercase() if is_text else column.cast(pl.String).str.to_lowercase()
        return ~empty & text.str.contains(str(target).casefold(), literal=True).fill_null(False)
    items = target if condition.op in (Op.IN, Op.NOT_IN) else [target]
    if is_text:
        wanted = [item.casefold() for item in items if isinstance(item, str)]
        hit = column.str.to_lowercase().is_in(wanted) if wanted else pl.lit(False)
    else:
        numbers = [float(item) for item in items if _is_number(item)]
        hit = column.cast(pl.Float64).is_in(numbers) if numbers else pl.lit(False)
    hit = hit.fill_null(False)
    if condition.op in (Op.EQ, Op.IN):
        return ~empty & hit
    return empty | ~hit  # NEQ, NOT_IN: a missing attribute satisfies them


def _points(rules, schema: pl.Schema) -> pl.Expr:
    if not rules:
        return pl.lit(0.0)
    return pl.sum_horizontal(
        pl.when(_condition(rule.when, schema)).then(pl.lit(float(rule.points))).otherwise(0.0) for rule in rules
    )


def _engagement(document: DefinitionDocument, leads: pl.DataFrame, touchpoints: pl.DataFrame | None, now: datetime):
    """Per lead: decayed engagement points, and which fast-track types it has."""
    empty = pl.DataFrame(schema={"key": leads.schema["key"], "engagement": pl.Float64, "fast_track": pl.String})
    if touchpoints is None or touchpoints.height == 0:
        return empty
    touches = touchpoints.lazy()
    if "nurture_since" in leads.columns:
        touches = touches.join(leads.lazy().select("key", "nurture_since"), on="key", how="left").filter(
            pl.col("nurture_since").is_null() | (pl.col("occurred_at") > pl.col("nurture_since"))
        )
    now_lit = pl.lit(now).cast(pl.Datetime("us", "UTC"))
    parts = []
    for rule in document.engagement_rules:
        rows = touches.filter(pl.col("type") == rule.type)
        if rule.max_count:
            rows = rows.sort("occurred_at", descending=True).group_by("key", maintain_order=True).head(rule.max_count)
        age_days = ((now_lit - pl.col("occurred_at")).dt.total_microseconds() / 1e6).clip(
            lower_bound=0
        ) / SECONDS_PER_DAY
        parts.append(
            rows.select("key", (pl.lit(rule.points) * pl.lit(0.5).pow(age_days / rule.half_life_days)).alias("points"))
        )
    engagement = (
        pl.concat(parts).group_by("key").agg(pl.col("points").sum().alias("engagement"))
        if parts
        else touches.select("key").unique().with_columns(pl.lit(0.0).alias("engagement"))
    )
    fast_types = document.fast_track_types
    if fast_types:
        order = {kind: i for i, kind in enumerate(fast_types)}
        fast = (
            touches.filter(pl.col("type").is_in(fast_types))
            .select("key", "type", pl.col("type").replace_strict(order, return_dtype=pl.Int32).alias("rank"))
            .group_by("key")
            .agg(pl.col("type").sort_by("rank").first().alias("fast_track"))
        )
        engagement = engagement.join(fast, on="key", how="full", coalesce=True)
    else:
        engagement = engagement.with_columns(pl.lit(None, pl.String).alias("fast_track"))
    return engagement.collect().select("key", pl.col("engagement").fill_null(0.0), "fast_track")


def _round2(series: pl.Series) -> pl.Series:
    # Python's round(), exactly as score_lead rounds (Polars rounds the decimal text instead).
    return pl.Series(series.name, [round(value, 2) for value in series.to_list()], dtype=pl.Float64)


def score_frame(
    document: DefinitionDocument,
    leads: pl.DataFrame,
    touchpoints: pl.DataFrame | None,
    *,
    now: datetime,
) -> pl.DataFrame:
    schema = leads.schema
    knockouts = [rule for rule in document.negative_rules if rule.knockout]
    knockout = pl.lit(None, pl.String)
    for rule in reversed(knockouts):  # the first matching knockout rule names the exclusion
        knockout = pl.when(_condition(rule.when, schema)).then(pl.lit(rule.name)).otherwise(knockout)
    base = leads.select(
        "key",
        _points(document.fit_rules, schema).alias("fit"),
        _points(document.negative_rules, schema).alias("negative"),
        knockout.alias("knockout"),
        _requirements(document, schema).alias("requirements_met"),
    )
    engagement = _engagement(document, leads, touchpoints, now)
    scored = base.join(engagement, on="key", how="left").with_columns(pl.col("engagement").fill_null(0.0))
    scored = scored.with_columns(_round2(scored["fit"]), _round2(scored["engagement"]), _round2(scored["negative"]))
    scored = scored.with_columns(_round2(scored["fit"] + scored["engagement"] + scored["negative"]).alias("total"))
    thresholds = document.thresholds
    by_score = (pl.col("total") >= thresholds.mql) & pl.col("requirements_met")
    if thresholds.fit_min:
        by_score = by_score & (pl.col("fit") >= thresholds.fit_min)
    if thresholds.engagement_min:
        by_score = by_score & (pl.col("engagement") >= thresholds.engagement_min)
    qualified = pl.col("knockout").is_null() & (pl.col("fast_track").is_not_null() | by_score)
    return scored.select(
        "key",
        "fit",
        "engagement",
        "negative",
        "total",
        qualified.alias("qualified"),
        pl.when(pl.col("knockout").is_null()).then(pl.col("fast_track")).alias("fast_track"),
        "knockout",
    )


def _present(name: str, schema: pl.Schema) -> pl.Expr:
    if name not in schema:
        return pl.lit(False)
    column = pl.col(name)
    if schema[name] == pl.String:
        return (column.is_not_null() & (column != "")).fill_null(False)
    if schema[name] == pl.Boolean:
        return column.fill_null(False)
    return column.is_not_null()


def _requirements(document: DefinitionDocument, schema: pl.Schema) -> pl.Expr:
    met = pl.lit(True)
    if document.requirements.contact:
        named = _present("first_name", schema) | _present("last_name", schema)
        reachable = _present("company", schema) | _present("phone", schema)
        met = met & named & reachable
    for name in document.requirements.required_fields():
        met = met & _present(name, schema)
    return met
