"""Where an import job's files live: ACCORD_HOME/imports/<job id>/.

- `source.csv`     the uploaded file, as uploaded;
- `errors.csv`     every rejected cell (line, column, value, reason), written by the run;
- `progress.json`  bytes done, bytes in the file and the counts so far.

Progress is a file, not a column: an all-or-nothing run writes everything in one
transaction, and nothing it writes to the database is visible to the web process until
it ends. The worker replaces the file atomically (a temporary file, then os.replace), so
a reader sees the previous state or the next, never half of one.
"""

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.conf import settings

SOURCE, ERRORS, PROGRESS = "source.csv", "errors.csv", "progress.json"
ERROR_COLUMNS = ("line", "column", "value", "reason")  # the header import_run writes


def job_dir(job_id: int) -> Path:
    return Path(settings.ACCORD_HOME) / "imports" / str(job_id)


def source_path(job_id: int) -> Path:
    return job_dir(job_id) / SOURCE


def errors_path(job_id: int) -> Path:
    return job_dir(job_id) / ERRORS


def source_save(job_id: int, blocks: Iterable[bytes]) -> int:
    """Store the uploaded file block by block (it may be larger than memory); its size."""
    directory = job_dir(job_id)
    directory.mkdir(parents=True, exist_ok=True)
    size = 0
    with source_path(job_id).open("wb") as file:
        for block in blocks:
            file.write(block)
            size += len(block)
    return size


def job_files_remove(job_id: int) -> None:
    shutil.rmtree(job_dir(job_id), ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Progress:
    bytes_done: int = 0
    bytes_total: int = 0
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        """Whole percent, 100 only once every byte is read."""
        if not self.bytes_total:
            return 0
        return min(100, self.bytes_done * 100 // self.bytes_total)


def progress_write(job_id: int, progress: Progress) -> None:
    directory = job_dir(job_id)
    directory.mkdir(parents=True, exist_ok=True)
    document = {"bytes_done": progress.bytes_done, "bytes_total": progress.bytes_total, "summary": progress.summary}
    with tempfile.NamedTemporaryFile("w", dir=directory, prefix=".progress-", delete=False, encoding="utf-8") as file:
        json.dump(document, file)
    os.replace(file.name, directory / PROGRESS)


def progress_read(job_id: int) -> Progress | None:
    """The last progress the worker wrote; None before it wrote any."""
    try:
        document = json.loads((job_dir(job_id) / PROGRESS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Progress(document["bytes_done"], document["bytes_total"], document["summary"])


def errors_rows(job_id: int) -> Iterator[list[str]]:
    """The error report's rows after its header; nothing if the run wrote no report."""
    try:
        file = errors_path(job_id).open(newline="", encoding="utf-8")
    except FileNotFoundError:
        return
    with file:
        reader = csv.reader(file)
        next(reader, None)
        yield from reader


def errors_head(job_id: int, count: int) -> list[list[str]]:
    return list(islice(errors_rows(job_id), count))


def errors_count(job_id: int) -> int:
    return sum(1 for _ in errors_rows(job_id))
