"""The stable key that finds an imported touchpoint again when its file has no external id:
its format is pinned (changing it would double every earlier import on the next run), it
survives an export and import round trip, earlier imports' "row:" external ids become keys,
and a run that stopped before rescoring is made good by running the file again."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest
from click.testing import CliRunner
from django.apps import apps
from django.db import IntegrityError, transaction

from accord.cli import main
from accord.crm.keys import touchpoint_row_key, touchpoint_row_keys
from accord.crm.models import Lead, Touchpoint
from tests.imports.conftest import accord_import, summary, table_counts, write
from tests.imports.test_safety import TOUCHPOINTS


def _blake(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def test_the_key_is_a_hash_of_type_channel_campaign_and_utc_moment():
    # 12:00 at +02:00 is 10:00 UTC; the moment always carries six digits of microseconds.
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    assert touchpoint_row_key("webinar", "events", 7, moment) == _blake(
        "webinar\x1fevents\x1f7\x1f2024-05-01T10:00:00.000000"
    )
    assert touchpoint_row_key("page_view", "", None, datetime(2024, 5, 1, 10, 0, 0, 250, tzinfo=UTC)) == _blake(
        "page_view\x1f\x1f\x1f2024-05-01T10:00:00.000250"
    )


def test_the_column_keys_equal_the_one_row_keys():
    moments = [datetime(2024, 5, 1, 10, 0, tzinfo=UTC), datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)]
    frame = pl.DataFrame(
        {
            "type": ["page_view", "webinar"],
            "channel": [None, "events"],
            "campaign_id": [None, 12],
            "occurred_at": moments,
        }
    )

    assert touchpoint_row_keys(frame).to_list() == [
        touchpoint_row_key("page_view", "", None, moments[0]),
        touchpoint_row_key("webinar", "events", 12, moments[1]),
    ]


def test_one_key_twice_for_one_lead_is_refused_by_the_database(world):
    lead = Lead.objects.create(email="ann@acme.example")
    Touchpoint.objects.create(lead=lead, type="page_view", row_key=42)
    other = Lead.objects.create(email="bob@acme.example")
    Touchpoint.objects.create(lead=other, type="page_view", row_key=42)  # another lead: another touchpoint
    Touchpoint.objects.create(lead=lead, type="page_view")  # captured live: no key, no limit

    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.create(lead=lead, type="page_view", row_key=42)

    assert Touchpoint.objects.count() == 3


def test_an_export_of_imported_touchpoints_imports_as_unchanged(world, tmp_path):
    accord_import("touchpoints", write(tmp_path, "tp.csv", TOUCHPOINTS))
    exported = tmp_path / "exported.csv"
    result = CliRunner().invoke(main, ["export", "touchpoints", "--format", "csv", "--output", str(exported)])
    assert result.exit_code == 0, result.output
    before = table_counts()

    again = summary(accord_import("touchpoints", exported).stdout)

    assert (again["read"], again["created"], again["unchanged"], again["rejected"]) == (4, 0, 4, 0)
    assert table_counts() == before


def test_a_file_run_again_rescores_leads_a_stopped_run_left_unscored(world, tmp_path):
    """A run killed after its rows committed but before its leads were rescored: every row
    of the next run is unchanged, yet each lead the file names is scored again."""
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [f"ann@acme.example,page_view,{yesterday},web", f"new@other.example,form_fill,{yesterday},web"]
    path = write(tmp_path, "tp.csv", "\n".join(["email,type,occurred_at,channel", *rows, rows[0]]) + "\n")
    accord_import("touchpoints", path)
    scored = dict(Lead.objects.values_list("email", "score_total"))
    assert min(scored["ann@acme.example"], scored["new@other.example"]) > 0
    Lead.objects.update(score_fit=0, score_engagement=0, score_total=0)  # as the killed run left them

    again = summary(accord_import("touchpoints", path).stdout)

    assert (again["created"], again["unchanged"], again["leads rescored"]) == (0, 3, 2)
    assert dict(Lead.objects.values_list("email", "score_total")) == scored


def test_earlier_row_external_ids_become_row_keys(world):
    module = __import__("accord.crm.migrations.0007_touchpoint_row_key", fromlist=["row_keys_from_external_ids"])
    lead = Lead.objects.create(email="ann@acme.example")
    at = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    kept = Touchpoint.objects.create(lead=lead, type="page_view", channel="web", occurred_at=at, external_id="hit-1")
    old = Touchpoint.objects.create(lead=lead, type="page_view", channel="web", occurred_at=at, external_id="row:aa")
    # The old key hashed the campaign cell as written: two spellings, one touchpoint now.
    twin = Touchpoint.objects.create(lead=lead, type="page_view", channel="web", occurred_at=at, external_id="row:bb")

    module.row_keys_from_external_ids(apps, None)

    rows = dict(Touchpoint.objects.values_list("pk", "external_id"))
    keys = dict(Touchpoint.objects.values_list("pk", "row_key"))
    assert rows == {kept.pk: "hit-1", old.pk: None, twin.pk: "row:bb"}
    assert keys == {kept.pk: None, old.pk: touchpoint_row_key("page_view", "web", None, at), twin.pk: None}
