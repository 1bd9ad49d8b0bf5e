"""`bulk.frame_of_lists` reads what `frame_of` reads, one comma-separated text per column:
the same rows and types on either database, nulls kept in their rows, and columns whose
text could hold a comma (or lose a float's last bits) refused."""

from datetime import UTC, datetime

import polars as pl
import pytest
from django.db.models import F

from accord.core.bulk import UTC_DATETIME, frame_of_lists
from accord.crm.models import Lead, Stage

TYPES = {"id": pl.Int64, "created_at": UTC_DATETIME, "stage": pl.String, "campaign": pl.Int64, "size": pl.Int64}


def test_integers_datetimes_codes_and_nulls_stay_in_their_rows(world):
    # created_at: one to the microsecond on the night Europe's clocks go forward, one on a
    # whole second (SQLite stores it without a fraction); campaign and size null on one.
    first = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)
    second = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    a = Lead.objects.create(
        email="a@x.example", campaign=world.campaign, created_at=first, stage=Stage.MQL, company_size=250
    )
    b = Lead.objects.create(email="b@x.example", created_at=second)

    frame = frame_of_lists(
        Lead.objects.annotate(size=F("company_size")).values_list("id", "created_at", "stage", "campaign_id", "size"),
        list(TYPES),
        TYPES,
    )

    assert frame.schema == pl.Schema(TYPES)
    assert sorted(frame.rows()) == [
        (a.pk, first, "mql", world.campaign.pk, 250),
        (b.pk, second, "lead", None, None),
    ]


def test_no_rows_is_an_empty_frame_of_the_given_types(world):
    frame = frame_of_lists(Lead.objects.values_list("id", "created_at"), ["id", "created_at"], TYPES)

    assert (frame.height, frame.schema["id"], frame.schema["created_at"]) == (0, pl.Int64, UTC_DATETIME)


def test_a_datetime_column_of_nulls_only_is_still_a_datetime(world):
    Lead.objects.create(email="b@x.example")

    frame = frame_of_lists(Lead.objects.values_list("id", "qualified_at"), ["id", "at"], {"id": pl.Int64})

    assert frame.schema["at"] == UTC_DATETIME
    assert frame["at"].to_list() == [None]


@pytest.mark.parametrize(
    ("field", "column"),
    [("email", "email"), ("score_total", "score")],
    ids=["free text may hold a comma", "a float would lose bits on SQLite"],
)
def test_free_text_and_floats_are_refused_by_their_column_name(world, field, column):
    Lead.objects.create(email="a,b@x.example")

    with pytest.raises(TypeError, match=f"^{column}: only integers, datetimes and coded text"):
        frame_of_lists(Lead.objects.values_list("id", field), ["id", column], {})
