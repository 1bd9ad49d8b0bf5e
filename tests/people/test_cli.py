"""The `accord` command, run in-process against the test database."""

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.people.models import ApiToken, Team, User, hash_token
from accord.people.services import token_authenticate


@pytest.fixture
def run(db):
    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_user_create_with_team_and_generated_password(run):
    result = run("user", "create", "--email", "Rep@Example.com", "--role", "sales_rep", "--team", "Nordics")

    assert result.exit_code == 0, result.output
    user = User.objects.get()
    assert (user.email, user.role, user.team.name) == ("rep@example.com", "sales_rep", "Nordics")
    password = result.output.split("Password: ")[1].strip()
    assert user.check_password(password)


def test_manager_created_into_a_team_without_manager_becomes_its_manager(run):
    run(
        "user",
        "create",
        "--email",
        "boss@example.com",
        "--role",
        "sales_manager",
        "--team",
        "Nordics",
        "--password",
        "x" * 12,
    )
    assert Team.objects.get(name="Nordics").manager.email == "boss@example.com"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nope", "--role", "admin"], "email: 'nope' is not a valid email address."),
        (["--email", "a@b.example", "--role", "wizard"], "role: Unknown role 'wizard'"),
        (["--email", "a@b.example", "--role", "admin", "--timezone", "Mars/Base"], "timezone"),
    ],
)
def test_user_create_rejects_bad_input_and_creates_nothing(run, args, message):
    result = CliRunner().invoke(main, ["user", "create", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert User.objects.count() == 0


def test_token_is_printed_once_and_stored_hashed(run):
    run("user", "create", "--email", "m@example.com", "--role", "marketing", "--password", "x" * 12)

    result = run("token", "create", "--user", "m@example.com")

    raw = result.output.strip()
    token = ApiToken.objects.get()
    assert raw.startswith("acc_")
    assert token.key_hash == hash_token(raw) != raw
    assert raw not in str(ApiToken.objects.values_list())
    assert token_authenticate(raw).email == "m@example.com"


def test_revoked_token_stops_working(run):
    run("user", "create", "--email", "m@example.com", "--role", "marketing", "--password", "x" * 12)
    raw = run("token", "create", "--user", "m@example.com").output.strip()

    result = run("token", "revoke", raw[:10])

    assert result.exit_code == 0
    assert token_authenticate(raw) is None
    assert "revoked" in run("token", "list").output


def test_token_for_unknown_user_fails(run):
    result = CliRunner().invoke(main, ["token", "create", "--user", "ghost@example.com"])
    assert result.exit_code == 1
    assert "No user with email ghost@example.com" in result.output
