"""The stable key of an imported touchpoint that has no external id of its own: a 64-bit
hash of what makes it the same touchpoint — its type, channel, campaign and moment — so
that importing a file again, or the export of one, finds the rows already stored (per lead,
by the unique (lead, row_key) constraint).

The format is stored data: changing it would make every earlier import's rows look new.
"""

import hashlib
from datetime import UTC, datetime

import polars as pl

SEPARATOR = "\x1f"
MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"  # UTC, always with microseconds


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def touchpoint_row_key(type: str, channel: str, campaign_id: int | None, occurred_at: datetime) -> int:
    moment = occurred_at.astimezone(UTC).strftime(MOMENT_FORMAT)
    return _hash(SEPARATOR.join((type, channel or "", "" if campaign_id is None else str(campaign_id), moment)))


def touchpoint_row_keys(frame: pl.DataFrame) -> pl.Series:
    """`touchpoint_row_key` of every row of a frame with columns type, channel, campaign_id
    and occurred_at (UTC): the text built by column expressions, only the hash per row."""
    texts = frame.select(
        pl.concat_str(
            pl.col("type"),
            pl.col("channel").fill_null(""),
            pl.col("campaign_id").cast(pl.String).fill_null(""),
            pl.col("occurred_at").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f"),
            separator=SEPARATOR,
        )
    ).to_series()
    return pl.Series("row_key", [_hash(text) for text in texts], dtype=pl.Int64)
