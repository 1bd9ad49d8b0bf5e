"""Reading CSV files as people save them: encodings, delimiters, quoted newlines, CRLF,
blank lines, rows of the wrong shape and bytes that are not text — first the reader on its
own (rows, the line each starts on, errors), then whole files through `accord import`."""

import pytest

from accord.crm.models import Lead
from accord.imports.reader import BLOCK, CsvSource, RowError, UnreadableFile
from tests.imports.conftest import FIXTURES, accord_import, summary, write


def read(source: CsvSource, size: int = 50_000) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    """(line, row) of every good row, and every error, over all chunks."""
    rows, errors = [], []
    for chunk in source.chunks(size):
        rows += list(zip(chunk.lines, chunk.rows, strict=True))
        errors += chunk.errors
    return rows, errors


def source_of(tmp_path, content: str | bytes) -> CsvSource:
    return CsvSource(write(tmp_path, "file.csv", content))


# --- encodings ----------------------------------------------------------------------------


def test_utf8_without_bom(tmp_path):
    source = source_of(tmp_path, "email,first_name\nj@x.example,J\u00e9r\u00f4me\n")

    assert (source.encoding, source.header) == ("utf-8", ["email", "first_name"])
    assert read(source) == ([(2, ["j@x.example", "Jérôme"])], [])


def test_utf8_with_bom_keeps_the_bom_out_of_the_first_column_name(tmp_path):
    source = source_of(tmp_path, b"\xef\xbb\xbfemail,first_name\nj@x.example,J\xc3\xa9r\xc3\xb4me\n")

    assert (source.encoding, source.header) == ("utf-8-sig", ["email", "first_name"])
    assert read(source) == ([(2, ["j@x.example", "Jérôme"])], [])


def test_windows_1252_is_recognised_by_bytes_that_are_not_utf8(tmp_path):
    # ü = FC, é = E9, ô = F4, € = 80 in Windows-1252; none of them starts valid UTF-8 here.
    source = source_of(tmp_path, b"email;last_name;note\nm@x.example;M\xfcller;\x80 5\nj@x.example;J\xe9r\xf4me;\n")

    assert (source.encoding, source.delimiter) == ("cp1252", ";")
    assert read(source) == ([(2, ["m@x.example", "Müller", "€ 5"]), (3, ["j@x.example", "Jérôme", ""])], [])


def test_windows_1252_found_after_the_first_block_of_ascii(tmp_path):
    # The only non-ASCII byte comes after more than a whole block of plain ASCII rows
    # (each "f0000000@x.example,Plain\n" is 25 bytes).
    count = BLOCK // 25 + 1
    filler = b"".join(b"f%07d@x.example,Plain\n" % i for i in range(count))
    source = source_of(tmp_path, b"email,last_name\n" + filler + b"m@x.example,M\xfcller\n")

    rows, errors = read(source)

    assert (len(filler) > BLOCK, source.encoding) == (True, "cp1252")
    assert (len(rows), rows[-1], errors) == (count + 1, (count + 2, ["m@x.example", "Müller"]), [])


def test_a_character_cut_by_a_block_boundary_is_still_utf8(tmp_path):
    # "é" (C3 A9) straddles the end of the first block: the detector must not call it corrupt.
    head = b"email,first_name\n"
    pad = BLOCK - len(head) - len(b"a@x.example,") - 1
    content = head + b"a@x.example," + b"x" * pad + b"\xc3\xa9\n" + b"b@x.example,Zo\xc3\xab\n"
    assert content[BLOCK - 1 : BLOCK + 1] == b"\xc3\xa9"

    source = source_of(tmp_path, content)
    rows, errors = read(source)

    assert source.encoding == "utf-8"
    assert ([line for line, _ in rows], rows[0][1][1][-2:], rows[1][1], errors) == (
        [2, 3],
        "xé",
        ["b@x.example", "Zoë"],
        [],
    )


def test_a_byte_that_is_not_utf8_in_a_utf8_file_rejects_only_its_row(tmp_path):
    source = source_of(
        tmp_path, b"email,first_name,city\na@x.example,J\xc3\xa9r\xc3\xb4me,K\xc3\xb6ln\nb@x.example,M\xfcller,Bonn\n"
    )

    rows, errors = read(source)

    assert source.encoding == "utf-8"
    assert rows == [(2, ["a@x.example", "Jérôme", "Köln"])]
    assert errors == [RowError(3, "first_name", "M\\xfcller", "Bytes that are not valid utf-8 text.")]


def test_a_character_cut_off_by_the_end_of_the_file_is_an_error_on_its_row(tmp_path):
    # The file ends in the first byte of "é" (C3) with no newline after it.
    source = source_of(tmp_path, b"email,first_name\na@x.example,J\xc3\xa9r\xc3\xb4me\nb@x.example,Ren\xc3")

    rows, errors = read(source)

    assert source.encoding == "utf-8"
    assert rows == [(2, ["a@x.example", "Jérôme"])]
    assert errors == [RowError(3, "first_name", "Ren\\xc3", "Bytes that are not valid utf-8 text.")]


def test_a_byte_windows_1252_leaves_undefined_is_an_error_on_its_row(tmp_path):
    # 81 has no character in Windows-1252.
    source = source_of(tmp_path, b"email,last_name\na@x.example,M\xfcller\nb@x.example,\x81bc\n")

    rows, errors = read(source)

    assert source.encoding == "cp1252"
    assert rows == [(2, ["a@x.example", "Müller"])]
    assert errors == [RowError(3, "last_name", "\\x81bc", "Bytes that are not valid cp1252 text.")]


# --- delimiters, quoting, line endings ----------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_read_from_the_header(tmp_path, delimiter):
    d = delimiter
    source = source_of(tmp_path, f'email{d}company{d}note\na@x.example{d}Acme{d}"x, y; z"\n')

    assert (source.delimiter, source.header) == (delimiter, ["email", "company", "note"])
    assert read(source) == ([(2, ["a@x.example", "Acme", "x, y; z"])], [])


@pytest.mark.parametrize(("newline", "first_note"), [("\n", "one\ntwo\nthree"), ("\r\n", "one\r\ntwo\r\nthree")])
def test_quoted_newlines_keep_the_line_numbers_of_later_rows(tmp_path, newline, first_note):
    lines = [
        "email,note,company",  # 1
        'a@x.example,"one',  # 2
        "two",  # 3
        'three",Acme',  # 4
        "b@x.example,plain,Beta",  # 5
        'c@x.example,"two',  # 6
        'lines",Gamma,extra',  # 7: too many fields, reported on the line its record starts
        "d@x.example,last,Delta",  # 8
    ]
    source = source_of(tmp_path, newline.join(lines) + newline)

    rows, errors = read(source)

    assert rows == [
        (2, ["a@x.example", first_note, "Acme"]),
        (5, ["b@x.example", "plain", "Beta"]),
        (8, ["d@x.example", "last", "Delta"]),
    ]
    assert errors == [RowError(6, "", "", "The row has 4 fields; the header has 3.")]


def test_crlf_line_endings_leave_no_carriage_return_in_the_cells(tmp_path):
    source = source_of(tmp_path, "email,company\r\na@x.example,Acme\r\nb@x.example,Beta\r\n")

    assert source.header == ["email", "company"]
    assert read(source) == ([(2, ["a@x.example", "Acme"]), (3, ["b@x.example", "Beta"])], [])


def test_blank_lines_and_rows_of_only_delimiters_are_skipped(tmp_path):
    content = "email,company\r\na@x.example,Acme\r\n\r\n , \r\nb@x.example,Beta\r\n\r\n,\r\n\r\n\r\n"
    source = source_of(tmp_path, content)

    rows, errors = read(source)

    assert (rows, errors) == ([(2, ["a@x.example", "Acme"]), (5, ["b@x.example", "Beta"])], [])
    assert sum(chunk.read for chunk in source.chunks()) == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("a@x.example,Acme,1,2", "The row has 4 fields; the header has 3."),
        ("a@x.example,Acme", "The row has 2 fields; the header has 3."),
        ("a@x.example", "The row has 1 field; the header has 3."),
    ],
)
def test_a_row_with_too_many_or_too_few_fields_is_rejected(tmp_path, row, reason):
    source = source_of(tmp_path, f"email,company,company_size\nok@x.example,Ok,5\n{row}\n")

    assert read(source) == ([(2, ["ok@x.example", "Ok", "5"])], [RowError(3, "", "", reason)])


def test_columns_without_a_name_and_repeated_names_are_told_apart(tmp_path):
    source = source_of(tmp_path, "email, ,Email,email\na,b,c,d\n")

    assert source.header == ["email", "column 2", "Email", "email (2)"]


# --- chunks -------------------------------------------------------------------------------


def test_chunks_hold_the_given_number_of_good_rows_and_the_errors_met_on_the_way(tmp_path):
    content = "email,n\n" + "".join(f"r{i}@x.example,{i}\n" for i in range(1, 4)) + "bad\n" + "r4@x.example,4\n"
    source = source_of(tmp_path, content)

    chunks = list(source.chunks(2))

    assert [(c.lines, c.read, [e.line for e in c.errors]) for c in chunks] == [
        ([2, 3], 2, []),
        ([4, 6], 3, [5]),
        ([], 0, []),
    ]
    assert chunks[-1].bytes_read == len(content)


# --- files that cannot be read at all -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfee\x00m\x00a\x00i\x00l\x00\n\x00", "The file is UTF-16; save it as UTF-8 CSV."),
        (b"\xfe\xff\x00e\x00m\x00a\x00i\x00l\x00\n", "The file is UTF-16; save it as UTF-8 CSV."),
        (b"\n\nemail\n", "The first line is empty; it must name the columns."),
        (b",,\na,b,c\n", "The first line is empty; it must name the columns."),
        (b"\xef\xbb\xbf", "The first line is empty; it must name the columns."),
    ],
    ids=["empty", "utf-16-le", "utf-16-be", "blank-first-line", "header-of-delimiters", "only-a-bom"],
)
def test_unreadable_files(tmp_path, content, message):
    with pytest.raises(UnreadableFile) as raised:
        source_of(tmp_path, content)

    assert (raised.value.field, raised.value.message) == ("file", message)


def test_a_missing_file(tmp_path):
    with pytest.raises(UnreadableFile) as raised:
        CsvSource(tmp_path / "nowhere.csv")

    assert raised.value.message == f"No such file: {tmp_path / 'nowhere.csv'}."


def test_a_header_that_is_not_text_in_the_files_encoding(tmp_path):
    # Valid UTF-8 ("é") in a row makes the file UTF-8, so FC in the header is corrupt.
    with pytest.raises(UnreadableFile) as raised:
        source_of(tmp_path, b"email,Gr\xfc\xdfe\na@x.example,caf\xc3\xa9\n")

    assert raised.value.message == "The header line is not valid utf-8 text."


# --- whole files through `accord import` --------------------------------------------------


def _names() -> list[tuple[str, str, str]]:
    return list(Lead.objects.order_by("email").values_list("email", "first_name", "last_name"))


@pytest.mark.parametrize(
    "content",
    [
        "email,first_name,last_name\nj@x.example,J\u00e9r\u00f4me,M\u00fcller\n".encode(),
        b"\xef\xbb\xbfemail,first_name,last_name\r\nj@x.example,J\xc3\xa9r\xc3\xb4me,M\xc3\xbcller\r\n",
        b"email;first_name;last_name\r\nj@x.example;J\xe9r\xf4me;M\xfcller\r\n\r\n\r\n",
        b"email\tfirst_name\tlast_name\nj@x.example\tJ\xe9r\xf4me\tM\xfcller\n",
    ],
    ids=["utf-8", "utf-8-bom-crlf", "cp1252-semicolon-crlf-blank-lines", "cp1252-tab"],
)
def test_each_way_of_saving_a_file_imports_the_same_lead(world, tmp_path, content):
    result = accord_import("leads", write(tmp_path, "leads.csv", content))

    assert (result.exit_code, summary(result.stdout)["created"], summary(result.stdout)["read"]) == (0, 1, 1)
    assert _names() == [("j@x.example", "Jérôme", "Müller")]


def test_a_spreadsheet_export_in_windows_1252_with_quoted_newlines(world, tmp_path):
    """tests/imports/fixtures/excel-de.csv: as German Excel saves "CSV (Trennzeichen-getrennt)"
    — Windows-1252, `;`, CRLF, a note with a line break in it, and empty rows at the end."""
    result = accord_import("leads", FIXTURES / "excel-de.csv", "--errors", tmp_path / "errors.csv")

    assert result.exit_code == 1
    assert summary(result.stdout) == {
        "read": 4,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "accounts created": 2,
    }
    assert (tmp_path / "errors.csv").read_text(encoding="utf-8").splitlines() == [
        "line,column,value,reason",
        '6,company_size,viele,"Not a whole number from 0 to 10,000,000."',
    ]
    assert list(Lead.objects.order_by("email").values_list("email", "last_name", "company", "custom")) == [
        ("a.mueller@mueller-bau.example", "Müller", "Müller Bau GmbH", {"Notiz": "Rückruf\r\nab 14 Uhr"}),
        ("j.brule@creme.example", "Brûlé", "Crème & Co", {}),
        ("z.oezdemir@mueller-bau.example", "Özdemir", "Müller Bau GmbH", {"Notiz": "Größe: 5 €"}),
    ]
