"""Scoring many leads at once: the same rules as `accord.definitions.scoring`, written as
column expressions (Polars) so a million leads score in seconds. `score_lead` stays the
reference — tests check both agree — and still writes the explanation of a single lead.

Agreeing means agreeing to the last bit, so where Polars and Python differ the Python
meaning wins: text is compared after `str.casefold()` (Polars' lower-casing leaves "ß",
"ς" or "ﬁ" alone), a number in a text field is what `float()` reads (" 12 ", "1_000")
and NaN matches no comparison, and the decayed points of a rule are added up the way
Python's `sum()` does it (most recent touchpoint first; a compensated sum since 3.12).

Input frames
  leads        `key`, then any of RULE_FIELDS (text as str, company_size as int,
               consent_email as bool; missing columns count as empty) and optionally
               `nurture_since` (UTC datetime; only later touchpoints count, as for a
               recycled lead).
  touchpoints  `key`, `type`, `occurred_at` (UTC datetime); may be None.
Output: `key`, fit, engagement, negative, total (rounded like `score_lead`), qualified,
fast_track, knockout.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

import numpy as np
import polars as pl

from accord.definitions.document import Condition, DefinitionDocument, Op
from accord.definitions.rounding import round2_array
from accord.definitions.scoring import SECONDS_PER_DAY

NUMERIC = (Op.GT, Op.GTE, Op.LT, Op.LTE)
FOLDED = (Op.EQ, Op.NEQ, Op.IN, Op.NOT_IN, Op.CONTAINS)
_NON_ASCII = r"[^\x00-\x7F]"


def casefold_series(series: pl.Series) -> pl.Series:
    """`str.casefold()` of every value (nulls stay null). ASCII-only text is lower-cased by
    Polars; otherwise each distinct value is folded once by Python."""
    series = series.cast(pl.String)
    if not series.str.contains(_NON_ASCII).any():
        return series.str.to_lowercase()
    distinct = series.drop_nulls().unique().to_list()
    return series.replace_strict(distinct, [value.casefold() for value in distinct], return_dtype=pl.String)


def casefold(expr: pl.Expr) -> pl.Expr:
    return expr.map_batches(casefold_series, return_dtype=pl.String)


def _python_float(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return None if number != number else number  # NaN: no comparison holds


def _number_series(series: pl.Series) -> pl.Series:
    """What `float()` reads in each text value; null where it reads nothing, or NaN."""
    distinct = series.drop_nulls().unique().to_list()
    return series.replace_strict(
        distinct, [_python_float(value) for value in distinct], default=None, return_dtype=pl.Float64
    )


def _folded_name(name: str) -> str:
    return f"{name}\x00folded"


def _number_name(name: str) -> str:
    return f"{name}\x00number"


def _prepare(leads: pl.DataFrame, conditions: Iterable[Condition]) -> pl.DataFrame:
    """The leads with the casefolded text and the numbers that the conditions compare,
    computed once per column."""
    schema = leads.schema
    extra = {}
    for condition in conditions:
        name = condition.field
        if name not in schema:
            continue
        if condition.op in FOLDED:
            extra[_folded_name(name)] = casefold(pl.col(name))
        elif condition.op in NUMERIC:
            if schema[name] == pl.String:
                extra[_number_name(name)] = pl.col(name).map_batches(_number_series, return_dtype=pl.Float64)
            else:
                extra[_number_name(name)] = pl.col(name).cast(pl.Float64)
    return leads.with_columns(**extra) if extra else leads


def _is_number(value) -> bool:
    return isinstance(value, int | float)  # bool included: True == 1 in Python


def _condition(condition: Condition, schema: pl.Schema) -> pl.Expr:
    """A boolean expression equal to `condition_matches` for every row (of a frame that
    went through `_prepare`)."""
    name = condition.field
    missing = name not in schema
    dtype = pl.String if missing else schema[name]
    column = pl.lit(None, pl.String) if missing else pl.col(name)
    is_text = dtype == pl.String
    empty = (column.is_null() | (column == "")) if is_text else column.is_null()
    match condition.op:
        case Op.PRESENT:
            return ~empty & (column != False) if dtype == pl.Boolean else ~empty  # noqa: E712
        case Op.ABSENT:
            return ~(~empty & (column != False)) if dtype == pl.Boolean else empty  # noqa: E712
    if missing:
        return pl.lit(condition.op in (Op.NEQ, Op.NOT_IN))
    target = condition.value
    if condition.op in NUMERIC:
        number = pl.col(_number_name(name))
        limit = float(target)
        compare = {
            Op.GT: number > limit,
            Op.GTE: number >= limit,
            Op.LT: number < limit,
            Op.LTE: number <= limit,
        }[condition.op]
        return ~empty & compare.fill_null(False)
    folded = pl.col(_folded_name(name))
    if condition.op == Op.CONTAINS:
        return ~empty & folded.str.contains(str(target).casefold(), literal=True).fill_null(False)
    items = target if condition.op in (Op.IN, Op.NOT_IN) else [target]
    if is_text:
        wanted = [item.casefold() for item in items if isinstance(item, str)]
        hit = folded.is_in(wanted) if wanted else pl.lit(False)
    else:
        numbers = [float(item) for item in items if _is_number(item)]
        hit = column.cast(pl.Float64).is_in(numbers) if numbers else pl.lit(False)
    hit = hit.fill_null(False)
    if condition.op in (Op.EQ, Op.IN):
        return ~empty & hit
    return empty | ~hit  # NEQ, NOT_IN: a missing attribute satisfies them


def _points(rules, schema: pl.Schema) -> pl.Expr:
    """Points of the matching rules, added in the rules' order as `score_lead` adds them."""
    total = pl.lit(0.0)
    for rule in rules:
        total = total + pl.when(_condition(rule.when, schema)).then(pl.lit(float(rule.points))).otherwise(0.0)
    return total


def _rule_points(rows: pl.DataFrame) -> pl.Series:
    """Per row of `rows` (`x`: a lead's decayed points, most recent first): their sum as
    Python's `sum()` gives it. Since 3.12 that is Neumaier's compensated sum, which equals
    plain addition for one or two terms; longer lists — few — are summed by Python itself."""
    length = pl.col("x").list.len()
    plain = rows.select(
        pl.when(length == 1)
        .then(pl.col("x").list.first())
        .when(length == 2)
        .then(pl.col("x").list.first() + pl.col("x").list.last())
    ).to_series()
    longer = rows.select(length > 2).to_series()
    if not longer.any():
        return plain
    sums = iter([sum(values) for values in rows.filter(longer)["x"].to_list()])
    return pl.Series([next(sums) if long else value for value, long in zip(plain, longer, strict=True)])


def _engagement(document: DefinitionDocument, leads: pl.DataFrame, touchpoints: pl.DataFrame | None, now: datetime):
    """Per lead: decayed engagement points, and the first fast-track type it has."""
    key_type = leads.schema["key"]
    empty = pl.DataFrame(schema={"key": key_type, "engagement": pl.Float64, "fast_track": pl.String})
    if touchpoints is None or touchpoints.height == 0:
        return empty
    touches = touchpoints.lazy().select(
        pl.col("key").cast(key_type), "type", pl.col("occurred_at").cast(pl.Datetime("us", "UTC"))
    )
    if "nurture_since" in leads.columns:
        touches = touches.join(leads.lazy().select("key", "nurture_since"), on="key", how="left").filter(
            pl.col("nurture_since").is_null() | (pl.col("occurred_at") > pl.col("nurture_since"))
        )
    touches = touches.select("key", "type", "occurred_at").collect().lazy()
    now_lit = pl.lit(now.astimezone(UTC)).cast(pl.Datetime("us", "UTC"))
    age_days = ((now_lit - pl.col("occurred_at")).dt.total_microseconds() / 1e6).clip(lower_bound=0) / SECONDS_PER_DAY
    per_lead = touches.select("key").unique().collect()
    engagement = pl.lit(0.0)
    for index, rule in enumerate(document.engagement_rules):
        decayed = pl.lit(rule.points) * pl.lit(0.5).pow(age_days / rule.half_life_days)
        latest_first = (
            touches.filter(pl.col("type") == rule.type)
            .select("key", "occurred_at", decayed.alias("x"))
            .sort(["key", "occurred_at"], descending=[False, True])
        )
        # Within a group, rows keep their order: most recent first, as score_lead sorts them.
        points = pl.col("x").head(rule.max_count) if rule.max_count else pl.col("x")
        rows = latest_first.group_by("key").agg(points).collect()
        column = f"rule {index}"
        per_lead = per_lead.join(
            rows.select("key").with_columns(_rule_points(rows).alias(column)), on="key", how="left"
        )
        engagement = engagement + pl.col(column).fill_null(0.0)  # `engagement += points`, rule by rule
    per_lead = per_lead.select("key", engagement.alias("engagement"))
    fast_types = list(dict.fromkeys(document.fast_track_types))  # the first listing of a type counts
    if fast_types:
        order = {kind: i for i, kind in enumerate(fast_types)}
        fast = (
            touches.filter(pl.col("type").is_in(fast_types))
            .group_by("key")
            .agg(pl.col("type").replace_strict(order, return_dtype=pl.Int32).min().alias("rank"))
            .select("key", pl.col("rank").replace_strict(dict(enumerate(fast_types))).alias("fast_track"))
            .collect()
        )
        per_lead = per_lead.join(fast, on="key", how="left")
    else:
        per_lead = per_lead.with_columns(pl.lit(None, pl.String).alias("fast_track"))
    return per_lead.select("key", pl.col("engagement").fill_null(0.0), "fast_track")


def _round2(series: pl.Series) -> pl.Series:
    # Python's round(), exactly as score_lead rounds (Polars rounds the decimal text instead).
    values = series.cast(pl.Float64).to_numpy()
    return pl.Series(series.name, round2_array(np.ascontiguousarray(values)), dtype=pl.Float64)


def score_frame(
    document: DefinitionDocument,
    leads: pl.DataFrame,
    touchpoints: pl.DataFrame | None,
    *,
    now: datetime,
    signature: bool = False,
    detail: bool = False,
) -> pl.DataFrame:
    """Scores of `leads` (one row per key). With `signature`, also a `signature` column: one
    character per fit and negative rule (matched or not) and per sales-ready requirement
    (met or not) — all that `score_lead` reads of a lead's attributes, so leads with equal
    signatures and the same touchpoints have equal explanations. With `detail`, also
    `requirements_met` (every sales-ready requirement is met)."""
    rules = [*document.fit_rules, *document.negative_rules]
    prepared = _prepare(leads, (rule.when for rule in rules))
    schema = leads.schema
    knockouts = [rule for rule in document.negative_rules if rule.knockout]
    knockout = pl.lit(None, pl.String)
    for rule in reversed(knockouts):  # the first matching knockout rule names the exclusion
        knockout = pl.when(_condition(rule.when, schema)).then(pl.lit(rule.name)).otherwise(knockout)
    base = prepared.select(
        "key",
        _points(document.fit_rules, schema).alias("fit"),
        _points(document.negative_rules, schema).alias("negative"),
        knockout.alias("knockout"),
        _requirements(document, schema).alias("requirements_met"),
        *([_signature(document, schema).alias("signature")] if signature else []),
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
        *(["signature"] if signature else []),
        *(["requirements_met"] if detail else []),
    )


def _signature(document: DefinitionDocument, schema: pl.Schema) -> pl.Expr:
    checks = [_condition(rule.when, schema) for rule in (*document.fit_rules, *document.negative_rules)]
    checks += _requirement_checks(document, schema)
    bits = [pl.when(check).then(pl.lit("1")).otherwise(pl.lit("0")) for check in checks]
    return pl.concat_str(bits) if bits else pl.lit("")


def _present(name: str, schema: pl.Schema) -> pl.Expr:
    if name not in schema:
        return pl.lit(False)
    column = pl.col(name)
    if schema[name] == pl.String:
        return (column.is_not_null() & (column != "")).fill_null(False)
    if schema[name] == pl.Boolean:
        return column.fill_null(False)
    return column.is_not_null()


def _requirement_checks(document: DefinitionDocument, schema: pl.Schema) -> list[pl.Expr]:
    checks = []
    if document.requirements.contact:
        named = _present("first_name", schema) | _present("last_name", schema)
        reachable = _present("company", schema) | _present("phone", schema)
        checks.append(named & reachable)
    checks += [_present(name, schema) for name in document.requirements.required_fields()]
    return checks


def _requirements(document: DefinitionDocument, schema: pl.Schema) -> pl.Expr:
    met = pl.lit(True)
    for check in _requirement_checks(document, schema):
        met = met & check
    return met
