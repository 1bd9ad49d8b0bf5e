"""`bulk.frame_of` reads a values_list through the cursor, on either database, with the
columns where the queryset selected them — datetimes and annotations included."""

from datetime import UTC, datetime

import polars as pl
from django.db.models import F

from accord.core.bulk import UTC_DATETIME, frame_of
from accord.crm.models import Lead


def test_fields_datetimes_and_annotations_keep_their_places(world):
    at = datetime(2026, 3, 29, 0, 30, 15, 250, tzinfo=UTC)
    with_campaign = Lead.objects.create(email="a@x.example", campaign=world.campaign, created_at=at)
    Lead.objects.create(email="b@x.example", created_at=datetime(2026, 3, 1, tzinfo=UTC))

    frame = frame_of(
        Lead.objects.annotate(code=F("campaign__code"))
        .order_by("email")
        .values_list("id", "created_at", "code", "email"),
        ["id", "created_at", "code", "email"],
        {"id": pl.Int64, "created_at": UTC_DATETIME, "code": pl.String, "email": pl.String},
    )

    assert frame.rows() == [
        (with_campaign.pk, at, "webinar-1", "a@x.example"),
        (with_campaign.pk + 1, datetime(2026, 3, 1, tzinfo=UTC), None, "b@x.example"),
    ]


def test_no_rows_is_an_empty_frame_of_the_given_types(world):
    frame = frame_of(Lead.objects.values_list("id", "created_at"), ["id", "created_at"], {"created_at": UTC_DATETIME})

    assert (frame.height, frame.schema["created_at"]) == (0, UTC_DATETIME)


def test_datetimes_are_utc_without_being_asked_and_nulls_stay_null(world):
    # qualified_at: one lead qualified at 23:59:59.999999 on the night Europe's clocks go
    # forward (an instant in UTC, read back to the microsecond), one never qualified.
    at = datetime(2026, 3, 28, 23, 59, 59, 999_999, tzinfo=UTC)
    Lead.objects.create(email="a@x.example", qualified_at=at)
    Lead.objects.create(email="b@x.example")

    frame = frame_of(Lead.objects.order_by("email").values_list("email", "qualified_at"), ["email", "at"], {})

    assert frame.schema["at"] == UTC_DATETIME
    assert frame.rows() == [("a@x.example", at), ("b@x.example", None)]


def test_a_datetime_column_of_nulls_only_is_still_a_datetime(world):
    Lead.objects.create(email="b@x.example")

    frame = frame_of(Lead.objects.values_list("qualified_at"), ["at"], {"at": UTC_DATETIME})

    assert (frame.schema["at"], frame.rows()) == (UTC_DATETIME, [(None,)])
