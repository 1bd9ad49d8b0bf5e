"""`accord import`: the summary line, the exit status (0 all imported, 1 some rejected, 2
the file cannot be read), bad rows reported by line, column and reason on standard error
and in the --errors file — in-process with CliRunner, and once as a real process."""

import csv
import json

import pytest

from accord.cli import main
from accord.crm.models import Account, Lead
from tests.imports.conftest import accord_import, summary, table_counts, write

STAGES = "subscriber, lead, mql, sal, sql, customer, recycled, disqualified"

# One row of each kind of mistake, in a UTF-8 file that also holds valid UTF-8 text
# ("Jérôme" on line 9), so the FC byte on line 10 is a corrupt byte, not Windows-1252.
BAD_ROWS = (
    b"email,first_name,stage,created_at,company_size\n"  # 1
    b"ann@acme.example,Ann,lead,2024-05-01,10\n"  # 2  good
    b"not-an-email,Bob,lead,2024-05-01,10\n"  # 3  malformed email
    b"cy@acme.example,Cy,hot,2024-05-01,10\n"  # 4  unknown stage
    b"di@acme.example,Di,lead,the first of May,10\n"  # 5  unparsable date
    b"ed@acme.example,Ed,lead,2024-05-01,lots\n"  # 6  wrong type
    b"fay@acme.example,Fay,lead,2024-05-01,10,extra\n"  # 7  too many fields
    b"gus@acme.example,Gus,lead\n"  # 8  too few fields
    b"hal@acme.example,J\xc3\xa9r\xc3\xb4me,lead,2024-05-01T09:30:00Z,10\n"  # 9  good
    b"ivy@acme.example,M\xfcller,lead,2024-05-01,10\n"  # 10 not UTF-8
)
BAD_ROWS_ERRORS = [
    ["line", "column", "value", "reason"],
    ["3", "email", "not-an-email", "Not a valid email address."],
    ["4", "stage", "hot", f"Not one of: {STAGES}."],
    ["5", "created_at", "the first of May", "Not a date/time (ISO 8601, e.g. 2024-05-01 or 2024-05-01T10:00:00Z)."],
    ["6", "company_size", "lots", "Not a whole number from 0 to 10,000,000."],
    ["7", "", "", "The row has 6 fields; the header has 5."],
    ["8", "", "", "The row has 3 fields; the header has 5."],
    ["10", "first_name", "M\\xfcller", "Bytes that are not valid utf-8 text."],
]


def errors_file(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.reader(file))


def test_all_rows_imported_exits_0_with_the_summary_line(world, tmp_path):
    path = write(tmp_path, "leads.csv", "email,first_name\nann@acme.example,Ann\nbob@acme.example,Bob\n")

    result = accord_import("leads", path)

    assert result.exit_code == 0
    assert result.stdout == "read 2, created 2, updated 0, unchanged 0, rejected 0\n"
    assert result.stderr == "Importing leads\n"
    assert list(Lead.objects.order_by("email").values_list("email", "first_name")) == [
        ("ann@acme.example", "Ann"),
        ("bob@acme.example", "Bob"),
    ]


def test_bad_rows_are_reported_by_line_column_and_reason_and_the_good_ones_imported(world, tmp_path):
    result = accord_import("leads", write(tmp_path, "leads.csv", BAD_ROWS), "--errors", tmp_path / "errors.csv")

    assert result.exit_code == 1
    assert result.stdout == "read 9, created 2, updated 0, unchanged 0, rejected 7\n"
    assert errors_file(tmp_path / "errors.csv") == BAD_ROWS_ERRORS
    assert result.stderr.splitlines() == [
        "Importing leads",
        "  line 3, column 'email': Not a valid email address. ('not-an-email')",
        f"  line 4, column 'stage': Not one of: {STAGES}. ('hot')",
        "  line 5, column 'created_at': Not a date/time (ISO 8601, e.g. 2024-05-01 or 2024-05-01T10:00:00Z)."
        " ('the first of May')",
        "  line 6, column 'company_size': Not a whole number from 0 to 10,000,000. ('lots')",
        "  line 7: The row has 6 fields; the header has 5.",
        "  line 8: The row has 3 fields; the header has 5.",
        "  line 10, column 'first_name': Bytes that are not valid utf-8 text. ('M\\\\xfcller')",
    ]
    assert list(Lead.objects.order_by("email").values_list("email", "first_name", "company_size")) == [
        ("ann@acme.example", "Ann", 10),
        ("hal@acme.example", "Jérôme", 10),
    ]


def test_every_bad_cell_of_a_row_is_reported_and_the_row_counted_once(world, tmp_path):
    path = write(tmp_path, "leads.csv", "email,stage,company_size\nnope,hot,lots\n")

    result = accord_import("leads", path, "--errors", tmp_path / "errors.csv")

    assert (result.exit_code, summary(result.stdout)["rejected"]) == (1, 1)
    assert errors_file(tmp_path / "errors.csv")[1:] == [
        ["2", "email", "nope", "Not a valid email address."],
        ["2", "company_size", "lots", "Not a whole number from 0 to 10,000,000."],
        ["2", "stage", "hot", f"Not one of: {STAGES}."],
    ]


def test_standard_error_lists_ten_rejected_rows_and_points_to_the_rest(world, tmp_path):
    path = write(tmp_path, "leads.csv", "email\n" + "".join(f"bad{i}\n" for i in range(13)))

    without = accord_import("leads", path)
    with_file = accord_import("leads", path, "--errors", tmp_path / "errors.csv")

    assert without.stdout == with_file.stdout == "read 13, created 0, updated 0, unchanged 0, rejected 13\n"
    assert without.stderr.splitlines()[1:] == [
        *(f"  line {i + 2}, column 'email': Not a valid email address. ('bad{i}')" for i in range(10)),
        "  … and 3 more rejected rows. Use --errors FILE to get all of them.",
    ]
    assert (
        with_file.stderr.splitlines()[-1]
        == f"  … and 3 more rejected rows. All of them are in {tmp_path / 'errors.csv'}."
    )
    assert len(errors_file(tmp_path / "errors.csv")) == 1 + 13


def test_messages_name_the_columns_kept_as_custom_attributes_and_those_ignored(world, tmp_path):
    path = write(tmp_path, "leads.csv", "id,email,Colour,score_total\n7,ann@acme.example,red,12\n")

    result = accord_import("leads", path)

    assert result.stdout.splitlines() == [
        "read 1, created 1, updated 0, unchanged 0, rejected 0",
        "Kept as custom attributes: Colour.",
        "Ignored columns: id, score_total.",
    ]
    assert Lead.objects.get().custom == {"Colour": "red"}


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        ("leads", "empty.csv", b"", "file: The file is empty."),
        (
            "leads",
            "utf16.csv",
            "email\r\na@b.example\r\n".encode("utf-16"),
            "file: The file is UTF-16; save it as UTF-8 CSV.",
        ),
        ("leads", "blank.csv", b"\r\nemail\r\n", "file: The first line is empty; it must name the columns."),
        (
            "leads",
            "no-identity.csv",
            b"first_name,company\nAnn,Acme\n",
            "email: No column is mapped to email or external_id: rows cannot be matched.",
        ),
        (
            "touchpoints",
            "no-identity.csv",
            b"type,occurred_at\npage_view,2024-05-01\n",
            "email: No column is mapped to email or lead_external_id: rows cannot be matched.",
        ),
        (
            "touchpoints",
            "no-type.csv",
            b"email,occurred_at\nann@acme.example,2024-05-01\n",
            "type: No column is mapped to the required field 'type'.",
        ),
        (
            "accounts",
            "no-name.csv",
            b"domain\nacme.example\n",
            "name: No column is mapped to the required field 'name'.",
        ),
        (
            "opportunities",
            "no-name.csv",
            b"amount,stage\n100,open\n",
            "name: No column is mapped to the required field 'name'.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_exits_2_and_writes_nothing(world, tmp_path, kind, name, content, message):
    before = table_counts()

    result = accord_import(kind, write(tmp_path, name, content), "--errors", tmp_path / "errors.csv")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert table_counts() == before


def test_a_missing_file_exits_2(world, tmp_path):
    result = accord_import("leads", tmp_path / "nowhere.csv")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"Error: file: No such file: {tmp_path / 'nowhere.csv'}."


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            '{\n  "columns": {"E-Mail": "email"}\n  "defaults": {}\n}\n',
            "mapping: The mapping file is not JSON: Expecting ',' delimiter (line 3).",
        ),
        (
            '{"columns": {"E-Mail": "emial"}}',
            "mapping: mapping.json: 'emial' is not a leads field; use one of: email, external_id, first_name, "
            "last_name, company, title, phone, country, region, industry, company_size, source, campaign, "
            "utm_source, utm_medium, utm_campaign, need, authority, budget, timeline, consent_email, do_not_call, "
            "stage, owner, created_at.",
        ),
        ('{"colums": {}}', "mapping: mapping.json: colums: Extra inputs are not permitted"),
    ],
    ids=["not-json", "unknown-field", "unknown-key"],
)
def test_a_bad_mapping_exits_2_and_writes_nothing(world, tmp_path, mapping, message):
    path = write(tmp_path, "leads.csv", "E-Mail\nann@acme.example\n")
    write(tmp_path, "mapping.json", mapping)

    result = accord_import("leads", path, "--mapping", tmp_path / "mapping.json")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert Lead.objects.count() == 0


def test_a_missing_mapping_file_exits_2(world, tmp_path):
    path = write(tmp_path, "leads.csv", "email\nann@acme.example\n")

    result = accord_import("leads", path, "--mapping", tmp_path / "nowhere.json")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: mapping: Cannot read the mapping file: No such file or directory."


def test_an_error_file_that_cannot_be_written_exits_2_before_reading(world, tmp_path):
    path = write(tmp_path, "leads.csv", "email\nann@acme.example\n")
    target = tmp_path / "missing" / "errors.csv"

    result = accord_import("leads", path, "--errors", target)

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: errors: Cannot write the error file {target}: No such file or directory."
    )
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "args",
    [["people", "x.csv"], ["leads", "x.csv", "--preset", "pipedrive"], ["leads"]],
    ids=["unknown-kind", "unknown-preset", "no-file"],
)
def test_usage_errors_exit_2(world, tmp_path, args):
    assert accord_import(*args).exit_code == 2


def test_chunk_rows_is_hidden_and_gives_the_same_result(world, tmp_path):
    rows = "".join(f"p{i}@acme.example,P{i}\n" for i in range(7))
    path = write(tmp_path, "leads.csv", "email,first_name\n" + rows + "bad,X\n")

    result = accord_import("leads", path, "--chunk-rows", "2", "--errors", tmp_path / "errors.csv")

    assert "--chunk-rows" not in accord_import("--help").stdout
    assert result.stdout == "read 8, created 7, updated 0, unchanged 0, rejected 1\n"
    assert errors_file(tmp_path / "errors.csv")[1:] == [["9", "email", "bad", "Not a valid email address."]]
    assert Lead.objects.count() == 7


def test_the_import_command_offers_every_kind_and_preset():
    command = main.get_command(None, "import")
    kind, preset = (next(p for p in command.params if p.name == name) for name in ("kind", "preset"))

    assert tuple(kind.type.choices) == ("leads", "touchpoints", "accounts", "opportunities")
    assert tuple(preset.type.choices) == ("generic", "hubspot", "salesforce")


def test_accord_import_as_a_real_process(own_database, tmp_path):
    """The installed `accord` script, its own database, exit status and output as a shell sees them."""
    path = write(tmp_path, "leads.csv", BAD_ROWS)
    write(tmp_path, "mapping.json", json.dumps({"defaults": {"source": "fair"}}))

    run = own_database.accord(
        "import", "leads", path, "--mapping", tmp_path / "mapping.json", "--errors", tmp_path / "errors.csv"
    )

    assert run.returncode == 1, run.stderr
    assert run.stdout == "read 9, created 2, updated 0, unchanged 0, rejected 7\n"
    assert run.stderr.splitlines()[1] == "  line 3, column 'email': Not a valid email address. ('not-an-email')"
    assert errors_file(tmp_path / "errors.csv") == BAD_ROWS_ERRORS
    assert own_database.query("SELECT email, first_name, source FROM crm_lead ORDER BY email") == [
        ("ann@acme.example", "Ann", "fair"),
        ("hal@acme.example", "Jérôme", "fair"),
    ]
    assert own_database.scalar("SELECT count(*) FROM crm_leadevent WHERE kind = 'created'") == 2

    again = own_database.accord("import", "leads", path, "--mapping", tmp_path / "mapping.json")
    unreadable = own_database.accord("import", "leads", tmp_path / "nowhere.csv")

    assert (again.returncode, again.stdout) == (1, "read 9, created 0, updated 0, unchanged 2, rejected 7\n")
    assert (unreadable.returncode, unreadable.stdout) == (2, "")
    assert own_database.scalar("SELECT count(*) FROM crm_leadevent") == 2


def test_accounts_import_summary(world, tmp_path):
    path = write(tmp_path, "accounts.csv", "name,domain,company_size\nAcme,https://www.acme.example/about,50\nBeta,,\n")

    result = accord_import("accounts", path)

    assert (result.exit_code, result.stdout) == (0, "read 2, created 2, updated 0, unchanged 0, rejected 0\n")
    assert list(Account.objects.order_by("name").values_list("name", "domain", "company_size")) == [
        ("Acme", "acme.example", 50),
        ("Beta", None, None),
    ]
