"""`accord definition export` and `accord definition import`, run in-process against the
test database: a version out as JSON and back in as a new draft, and the refusals."""

import json

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.definitions.document import DefinitionDocument
from accord.definitions.models import DefinitionEvent, LeadDefinition
from tests.conftest import TEST_DOCUMENT


def run(*args: str):
    return CliRunner().invoke(main, ["definition", *args])


def test_export_writes_the_active_version_to_standard_output(definition):
    result = run("export")

    assert result.exit_code == 0, result.output
    exported = json.loads(result.stdout)
    assert {key: exported[key] for key in ("format", "version", "name", "status")} == {
        "format": "accord.definition/1",
        "version": 2,
        "name": "Test",
        "status": "active",
    }
    assert DefinitionDocument.model_validate(exported["document"]) == DefinitionDocument.model_validate(TEST_DOCUMENT)
    assert result.stderr == ""


def test_export_of_a_given_version_to_a_file(definition, tmp_path):
    target = tmp_path / "v1.json"

    result = run("export", "--version", "1", "--output", str(target))

    assert result.exit_code == 0, result.output
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert (exported["version"], exported["status"]) == (1, "retired")
    assert (result.stdout, result.stderr) == ("", f"Wrote v1 to {target}.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--version", "99"], "No lead definition v99."), ([], "No lead definition is active.")],
)
def test_export_of_a_missing_version_fails(definition, args, message):
    LeadDefinition.objects.filter(status="active").update(status="retired")

    result = run("export", *args)

    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"


def test_export_then_import_makes_a_draft_with_the_same_document(world, definition, tmp_path):
    # Given the active version exported to a file
    path = tmp_path / "definition.json"
    assert run("export", "--output", str(path)).exit_code == 0
    exported = json.loads(path.read_text(encoding="utf-8"))

    # When marketing imports it
    result = run("import", str(path), "--as", "Marketer@Accord.Test")

    # Then a new draft v3 holds exactly the exported document, drafted by marketing
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Created draft v3 Test from {path}.\n"
    imported = LeadDefinition.objects.get(version=3)
    assert (imported.status, imported.name, imported.created_by) == ("draft", "Test", world.marketer)
    assert imported.document == exported["document"]
    assert list(DefinitionEvent.objects.filter(definition=imported).values_list("kind", "actor")) == [
        ("created", world.marketer.pk)
    ]
    assert LeadDefinition.objects.get(version=2).status == "active"


def test_a_bare_document_imports_too(world, tmp_path):
    path = tmp_path / "document.json"
    path.write_text(json.dumps(TEST_DOCUMENT), encoding="utf-8")

    result = run("import", str(path), "--as", "mlead@accord.test")

    assert result.exit_code == 0, result.output
    assert LeadDefinition.objects.get(version=3).name == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"document": {"fit_rules": [}', "Error: file: Not JSON: Expecting value: line 1 column 29 (char 28).\n"),
        ("", "Error: file: Not JSON: Expecting value: line 1 column 1 (char 0).\n"),
        (
            json.dumps({"document": {"thresholds": {"mql": "high"}}}),
            "Error: document.thresholds.mql: Input should be a valid number, unable to parse string as a number\n",
        ),
        (json.dumps({"document": TEST_DOCUMENT, "name": 7}), "Error: name: The name is text.\n"),
        ("[1, 2]", "Error: document: A definition document is a JSON object.\n"),
    ],
    ids=["broken-json", "empty-file", "bad-field", "bad-name", "not-an-object"],
)
def test_a_bad_file_fails_naming_the_problem_and_creates_nothing(world, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    before = LeadDefinition.objects.count()

    result = run("import", str(path), "--as", "marketer@accord.test")

    assert result.exit_code == 1
    assert result.stderr == message
    assert LeadDefinition.objects.count() == before


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@accord.test", "Error: as: No user with email nobody@accord.test.\n"),
        ("not-an-email", "Error: as: 'not-an-email' is not a valid email address.\n"),
        (
            "rep@accord.test",
            "Error: Only marketing, marketing leads, sales managers and admins draft lead definitions.\n",
        ),
    ],
)
def test_the_acting_user_must_exist_and_may_draft(world, tmp_path, email, message):
    path = tmp_path / "document.json"
    path.write_text(json.dumps(TEST_DOCUMENT), encoding="utf-8")
    before = LeadDefinition.objects.count()

    result = run("import", str(path), "--as", email)

    assert result.exit_code == 1
    assert result.stderr == message
    assert LeadDefinition.objects.count() == before


def test_import_without_a_user_is_a_draft_of_accord_itself(world, tmp_path):
    path = tmp_path / "document.json"
    path.write_text(json.dumps(TEST_DOCUMENT), encoding="utf-8")

    result = run("import", str(path))

    assert result.exit_code == 0, result.output
    draft = LeadDefinition.objects.get(version=3)
    assert (draft.status, draft.created_by, result.stdout) == ("draft", None, f"Created draft v3 from {path}.\n")
    assert list(DefinitionEvent.objects.filter(definition=draft).values_list("kind", "actor")) == [("created", None)]
