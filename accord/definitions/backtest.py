"""When would each lead first have qualified under a definition? The core of a backtest,
over millions of leads and touchpoints at once.

A lead is scored live when it is captured and each time a touchpoint arrives. Between
touchpoints its engagement only decays, so the first moment it meets a definition is its
creation or one of its touchpoints. `first_qualified_at` evaluates the definition at
exactly those moments, with every touchpoint up to the moment counting, and returns the
first one that qualifies — bit for bit what `score_lead` decides at that moment (its
decay, its most-recent-first compensated sums, Python's rounding), which a property test
checks against it.

The attribute rules (fit, negative, knockout, requirements) are evaluated once per lead
by `score_frame`; the moments are walked by one compiled loop (Numba) over the
touchpoints sorted by lead and time, in parallel over leads. A lead whose fit, negative
points and every touchpoint's full points cannot reach the threshold skips the exact
decay arithmetic: most leads never come near it.
"""

from datetime import UTC, datetime

import numpy as np
import polars as pl
from numba import njit, prange

from accord.definitions.document import TOUCHPOINT_TYPES, DefinitionDocument
from accord.definitions.rounding import round2
from accord.definitions.vectorised import score_frame

NEVER = np.iinfo(np.int64).min
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def first_qualified_at(
    document: DefinitionDocument, leads: pl.DataFrame, touchpoints: pl.DataFrame | None, *, end: datetime
) -> pl.DataFrame:
    """`leads`: `key` (integer), `created_at` and the rule attributes (as `score_frame`
    takes them). `touchpoints`: `key`, `type`, `occurred_at`. Returns `key`,
    `qualified_at` (null when the lead never qualifies up to `end`) and `fast_track`
    (whether a fast-track touchpoint qualified it). Leads created after `end` never
    qualify; touchpoints of other leads are ignored."""
    static = score_frame(document, leads, None, now=end, detail=True).join(
        leads.select("key", _micros(pl.col("created_at")).alias("created")), on="key"
    )
    static = static.sort("key")
    keys = static["key"].to_numpy().astype(np.int64)
    if touchpoints is None:
        touchpoints = pl.DataFrame(schema={"key": pl.Int64, "type": pl.String, "occurred_at": pl.Datetime("us", "UTC")})
    # Touchpoint types as small codes, then what each code means under this definition.
    codes = touchpoints["type"].cast(pl.Enum(TOUCHPOINT_TYPES), strict=False).to_physical()
    codes = codes.fill_null(len(TOUCHPOINT_TYPES)).to_numpy().astype(np.int64)
    rule_of = np.full(len(TOUCHPOINT_TYPES) + 1, -1, dtype=np.int32)
    for index, rule in enumerate(document.engagement_rules):
        rule_of[TOUCHPOINT_TYPES.index(rule.type)] = index
    fast_of = np.zeros(len(TOUCHPOINT_TYPES) + 1, dtype=np.bool_)
    for kind in document.fast_track_types:
        fast_of[TOUCHPOINT_TYPES.index(kind)] = True
    starts, at, rule, fast = _by_lead(
        _lead_positions(keys, touchpoints["key"].to_numpy().astype(np.int64)),
        _micros(touchpoints["occurred_at"]).to_numpy().astype(np.int64),
        rule_of[codes],
        fast_of[codes],
        keys.size,
    )
    thresholds = document.thresholds
    engagement = document.engagement_rules
    first, by_fast = _walk(
        starts,
        at,
        rule,
        fast,
        static["created"].to_numpy().astype(np.int64),
        static["fit"].to_numpy().astype(np.float64),
        static["negative"].to_numpy().astype(np.float64),
        static["knockout"].is_not_null().to_numpy().astype(np.bool_),
        static["requirements_met"].to_numpy().astype(np.bool_),
        np.array([float(rule.points) for rule in engagement], dtype=np.float64),
        np.array([float(rule.half_life_days) for rule in engagement], dtype=np.float64),
        np.array([rule.max_count or 0 for rule in engagement], dtype=np.int64),
        float(thresholds.mql),
        float(thresholds.fit_min),
        float(thresholds.engagement_min),
        _to_micros(end),
    )
    return pl.DataFrame({"key": static["key"], "at": first, "fast": by_fast}).select(
        "key",
        pl.when(pl.col("at") != NEVER).then(pl.col("at")).cast(pl.Datetime("us", "UTC")).alias("qualified_at"),
        pl.when(pl.col("at") != NEVER).then(pl.col("fast")).alias("fast_track"),
    )


def _micros(column):
    return column.cast(pl.Datetime("us", "UTC")).dt.epoch("us")


def _to_micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _lead_positions(sorted_keys: np.ndarray, touch_keys: np.ndarray) -> np.ndarray:
    """Each touchpoint's lead as its position in `sorted_keys` (-1: not among them)."""
    if sorted_keys.size == 0:
        return np.full(touch_keys.size, -1, dtype=np.int64)
    low, high = int(sorted_keys[0]), int(sorted_keys[-1])
    if high - low <= 4 * sorted_keys.size + 1_000_000:  # ids are dense: a lookup table
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[sorted_keys - low] = np.arange(sorted_keys.size)
        inside = (touch_keys >= low) & (touch_keys <= high)
        return np.where(inside, table[np.clip(touch_keys - low, 0, high - low)], -1)
    found = np.clip(np.searchsorted(sorted_keys, touch_keys), 0, sorted_keys.size - 1)
    return np.where(sorted_keys[found] == touch_keys, found, -1)


# --- the compiled walk ------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _by_lead(lead, at, rule, fast, n):
    """The touchpoints that count (a rule's type or a fast-track type, of a known lead),
    grouped by lead (a counting sort) and ordered by time within each lead."""
    keep = (lead >= 0) & ((rule >= 0) | fast)
    counts = np.zeros(n + 1, dtype=np.int64)
    for i in range(lead.size):
        if keep[i]:
            counts[lead[i] + 1] += 1
    starts = np.cumsum(counts)
    position = starts[:-1].copy()
    order = np.empty(starts[-1], dtype=np.int64)
    for i in range(lead.size):
        if keep[i]:
            order[position[lead[i]]] = i
            position[lead[i]] += 1
    sorted_at = at[order]
    for j in prange(n):  # a lead's touchpoints by time: small sorts
        a, b = starts[j], starts[j + 1]
        if b - a > 1:
            within = np.argsort(sorted_at[a:b], kind="mergesort")
            order[a:b] = order[a:b][within]
    return starts, at[order], rule[order], fast[order]


@njit(cache=True)
def _decayed_sum(
    at_moment: int, last: int, points: float, half_life: float, max_count: int, at: np.ndarray, previous: np.ndarray
) -> float:
    """`sum(decayed(...))` of score_lead for one rule: its touchpoints most recent first,
    at most `max_count`, added with CPython's compensated (Neumaier) sum."""
    total = 0.0
    compensation = 0.0
    taken = 0
    j = last
    while j >= 0 and (max_count == 0 or taken < max_count):
        age_seconds = (at_moment - at[j]) / 1e6
        age_days = max(age_seconds, 0.0) / 86400.0
        value = points * 0.5 ** (age_days / half_life)
        t = total + value
        if abs(total) >= abs(value):
            compensation += (total - t) + value
        else:
            compensation += (value - t) + total
        total = t
        taken += 1
        j = previous[j]
    if compensation != 0.0 and np.isfinite(compensation):
        total += compensation
    return total


@njit(cache=True, parallel=True)
def _walk(
    starts, at, rule, fast, created, fit, negative, knocked, requirements_met,
    points, half_life, max_count, mql, fit_min, engagement_min, end,
):  # fmt: skip
    n = created.size
    rules = points.size
    first = np.full(n, NEVER, dtype=np.int64)
    by_fast = np.zeros(n, dtype=np.bool_)
    # Each touchpoint's previous touchpoint of the same rule within its lead (-1: none).
    previous = np.full(at.size, -1, dtype=np.int64)
    for lead in prange(n):
        if knocked[lead] or created[lead] > end:
            continue
        score_can_qualify = requirements_met[lead] and (fit_min == 0.0 or fit[lead] >= fit_min)
        last = np.full(rules, -1, dtype=np.int64)
        counts = np.zeros(rules, dtype=np.int64)
        have_fast = False
        i = starts[lead]
        stop = starts[lead + 1]
        moment = created[lead]
        while True:
            # Take in every touchpoint up to the moment.
            while i < stop and at[i] <= moment:
                r = rule[i]
                if r >= 0:
                    previous[i] = last[r]
                    last[r] = i
                    counts[r] += 1
                if fast[i]:
                    have_fast = True
                i += 1
            if have_fast:
                first[lead] = moment
                by_fast[lead] = True
                break
            if score_can_qualify:
                # The most the touchpoints could add, undecayed: below the threshold, skip.
                ceiling = 0.0
                for r in range(rules):
                    if points[r] > 0.0:
                        taken = counts[r] if max_count[r] == 0 else min(counts[r], max_count[r])
                        ceiling += points[r] * taken
                if fit[lead] + negative[lead] + ceiling + 0.01 >= mql:
                    engagement = 0.0
                    for r in range(rules):
                        if last[r] >= 0:
                            engagement += _decayed_sum(
                                moment, last[r], points[r], half_life[r], max_count[r], at, previous
                            )
                    engagement = round2(engagement)
                    total = round2(fit[lead] + engagement + negative[lead])
                    if total >= mql and (engagement_min == 0.0 or engagement >= engagement_min):
                        first[lead] = moment
                        break
            if i >= stop or at[i] > end:
                break
            moment = at[i]
    return first, by_fast
