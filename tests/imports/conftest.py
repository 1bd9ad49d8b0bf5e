"""Shared helpers for import tests: files written byte for byte, `accord import` run
in-process, the row counts of every table an import writes, and named users to own rows.

Expected values in these tests are worked out by hand from the files they write."""

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.crm.models import Account, Lead, LeadEvent, Opportunity, Touchpoint
from accord.people.models import User

FIXTURES = Path(__file__).parent / "fixtures"
ACCORD = Path(sys.executable).parent / "accord"


def write(directory: Path, name: str, content: str | bytes) -> Path:
    """A file with exactly these bytes (text is UTF-8, and its line endings are kept)."""
    path = directory / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def accord_import(*args: str | Path):
    return CliRunner().invoke(main, ["import", *map(str, args)], catch_exceptions=False)


def summary(output: str) -> dict[str, int]:
    """The counts of the summary line, e.g. "read 3, created 2, …" → {"read": 3, "created": 2, …}."""
    line = output.splitlines()[0]
    pairs = (part.rsplit(" ", 1) for part in line.split(", "))
    return {name: int(count.replace(",", "")) for name, count in pairs}


def table_counts() -> dict[str, int]:
    return {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "accounts": Account.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "opportunities": Opportunity.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def named(world):
    """world's reps with names, as CRM exports name owners: Rita Rep and Otto Other."""
    for user, first, last in ((world.rep, "Rita", "Rep"), (world.other_rep, "Otto", "Other")):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return world


# --- a database of its own, for `accord` run as a real process ---------------------------


@dataclass
class Database:
    """A migrated database outside the test's transaction: SQLite in its own ACCORD_HOME,
    or, when the tests run on PostgreSQL, a fresh database on the same server."""

    env: dict[str, str]
    url: str | None  # PostgreSQL only

    def accord(self, *args: str | Path, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(ACCORD), *map(str, args)], env=self.env, capture_output=True, text=True, check=False, **kwargs
        )

    def popen(self, *args: str | Path) -> subprocess.Popen:
        return subprocess.Popen(
            [str(ACCORD), *map(str, args)], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def query(self, sql: str) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as connection:
                return connection.execute(sql).fetchall()
        import sqlite3

        connection = sqlite3.connect(Path(self.env["ACCORD_HOME"]) / "accord.sqlite3", timeout=20)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def _postgres_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture
def own_database(tmp_path) -> Database:
    env = {**os.environ, "ACCORD_HOME": str(tmp_path / "home"), "ACCORD_EMAIL_URL": "memory"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = None
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        name = f"accord_import_{uuid.uuid4().hex[:12]}"
        _postgres_admin(base, f'CREATE DATABASE "{name}"')
        url = f"{base.rsplit('/', 1)[0]}/{name}"
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    database = Database(env, url)
    migrated = database.accord("migrate")
    assert migrated.returncode == 0, migrated.stderr
    yield database
    if url:
        _postgres_admin(base, f'DROP DATABASE "{name}" WITH (FORCE)')
