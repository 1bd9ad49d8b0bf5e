"""An import writes on SQLite without the memory map its connection otherwise reads
through, and gives the connection its map back afterwards."""

import pytest
from django.db import connection

from accord.core.bulk import memory_map_off
from accord.imports.services import import_run

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite reads through a memory map"),
]


def mapped_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        return cursor.fetchone()[0]


def test_the_map_is_off_inside_and_the_same_size_again_after():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size=1048576")
    with memory_map_off():
        assert mapped_bytes() == 0
    assert mapped_bytes() == 1_048_576


def test_the_map_comes_back_when_the_block_fails():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size=65536")
    with pytest.raises(RuntimeError), memory_map_off():
        raise RuntimeError("the import failed")
    assert mapped_bytes() == 65_536


def test_a_lead_import_reads_no_memory_map_while_it_runs(world, tmp_path):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size=2097152")
    path = tmp_path / "leads.csv"
    path.write_text("email,first_name\nada@example.com,Ada\nbob@example.com,Bob\n", encoding="utf-8")
    seen = []
    result = import_run("leads", path, progress=lambda done, size, summary: seen.append(mapped_bytes()))
    assert result.summary["created"] == 2
    assert seen
    assert set(seen) == {0}
    assert mapped_bytes() == 2_097_152
