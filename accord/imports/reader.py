"""Reading a CSV file as people actually save them: UTF-8 with or without a BOM or
Windows-1252, `,` or `;` or tab, quoted newlines, CRLF. The file is streamed in chunks of
rows; a row that cannot be a record (wrong number of fields, bytes that are not text in the
file's encoding) becomes a `RowError` with its line number instead of stopping the import."""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from accord.core.errors import InvalidInput

BLOCK = 1 << 20
DELIMITERS = (",", ";", "\t")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by errors="surrogateescape"
_DECODED_NON_ASCII = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")

csv.field_size_limit(1 << 24)


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read (missing, empty, no header): exit status 2."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class Chunk:
    lines: list[int] = field(default_factory=list)  # the line each row starts on
    rows: list[list[str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bytes_read: int = 0

    @property
    def read(self) -> int:
        return len(self.rows) + len({error.line for error in self.errors})


class _CountingReader(io.RawIOBase):
    """A binary file that knows how far it has been read, for progress."""

    def __init__(self, raw):
        self.raw = raw
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.raw.readinto(buffer)
        self.position += count or 0
        return count


def _detect_encoding(path: Path) -> tuple[str, bool]:
    """(encoding, has_undecodable_bytes). A BOM decides; otherwise the whole file is tried
    as UTF-8 block by block (about a second per gigabyte). Bytes that are not UTF-8 in a
    file with no other non-ASCII text mean Windows-1252; mixed with real UTF-8 text they
    are corrupt bytes, reported on their rows."""
    with path.open("rb") as file:
        head = file.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile("The file is UTF-16; save it as UTF-8 CSV.", field="file")
        else:
            encoding = "utf-8"
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        bad = utf8_text = False
        while True:
            block = file.read(BLOCK)
            if block.isascii() and block:
                continue
            # The empty last read flushes a multi-byte sequence cut off by the end of the file.
            text = decoder.decode(block, final=not block)
            bad = bad or bool(_UNDECODABLE.search(text))
            utf8_text = utf8_text or bool(_DECODED_NON_ASCII.search(text))
            if not block:
                break
        if bad and not utf8_text and encoding == "utf-8":
            return "cp1252", _has_undecodable(path, "cp1252")
        return encoding, bad


def _has_undecodable(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    with path.open("rb") as file:
        while block := file.read(BLOCK):
            if _UNDECODABLE.search(decoder.decode(block)):
                return True
    return False


def _detect_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for index, header in enumerate(headers):
        name = header.strip() or f"column {index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        result.append(name)
    return result


class CsvSource:
    """One CSV file: its encoding, delimiter and header, and its rows in chunks."""

    def __init__(self, path: str | Path, *, encoding: str | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise UnreadableFile(f"No such file: {self.path}.", field="file")
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise UnreadableFile("The file is empty.", field="file")
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise UnreadableFile(f"Unknown encoding '{encoding}'.", field="encoding") from None
            self.encoding, self.undecodable = encoding, True
        else:
            self.encoding, self.undecodable = _detect_encoding(self.path)
        with self._open() as text:
            first = text.readline()
        self.delimiter = _detect_delimiter(first)
        with self._open() as text:
            header = next(csv.reader(text, delimiter=self.delimiter), [])
        if not any(cell.strip() for cell in header):
            raise UnreadableFile("The first line is empty; it must name the columns.", field="file")
        if _UNDECODABLE.search("".join(header)):
            raise UnreadableFile(f"The header line is not valid {self.encoding} text.", field="file")
        self.header = _unique(header)

    def _open(self, raw=None):
        raw = raw or self.path.open("rb")
        return io.TextIOWrapper(
            io.BufferedReader(raw, BLOCK), encoding=self.encoding, errors="surrogateescape", newline=""
        )

    def preview(self, rows: int = 10) -> list[list[str]]:
        chunk = next(self.chunks(rows), Chunk())
        return chunk.rows[:rows]

    def chunks(self, size: int = 50_000) -> Iterator[Chunk]:
        counting = _CountingReader(self.path.open("rb"))
        expected = len(self.header)
        with self._open(counting) as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            next(reader, None)
            chunk = Chunk()
            previous_end = reader.line_num
            check_bytes = self.undecodable
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    chunk.errors.append(RowError(previous_end + 1, "", "", f"Not a CSV record: {error}."))
                    previous_end = reader.line_num
                    continue
                line = previous_end + 1
                previous_end = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue  # a blank line, or one of only delimiters as spreadsheets save emptied rows
                if len(row) != expected:
                    chunk.errors.append(
                        RowError(
                            line,
                            "",
                            "",
                            f"The row has {len(row)} field{'' if len(row) == 1 else 's'}; the header has {expected}.",
                        )
                    )
                elif check_bytes and _UNDECODABLE.search("\x00".join(row)):
                    column = next(i for i, cell in enumerate(row) if _UNDECODABLE.search(cell))
                    value = row[column].encode(self.encoding, errors="surrogateescape")
                    chunk.errors.append(
                        RowError(
                            line,
                            self.header[column],
                            repr(value)[2:-1],
                            f"Bytes that are not valid {self.encoding.replace('-sig', '')} text.",
                        )
                    )
                else:
                    chunk.lines.append(line)
                    chunk.rows.append(row)
                if len(chunk.rows) >= size:
                    chunk.bytes_read = counting.position
                    yield chunk
                    chunk = Chunk()
            chunk.bytes_read = self.size
            yield chunk
