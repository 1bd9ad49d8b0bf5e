"""Signing and drafting at the same moment, on PostgreSQL, where transactions truly run at
once (SQLite's IMMEDIATE transactions queue them, so there is no race to test there).
Whatever the timing, the constraint one_active_definition holds and nothing is lost."""

from collections import Counter

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accord.core.errors import InvalidTransition
from accord.definitions import services
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore
from accord.people.models import Role, User
from tests.conftest import TEST_DOCUMENT
from tests.crm.test_concurrency import run_in_parallel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a race needs PostgreSQL's concurrent writers"),
]

ROUNDS = 5  # the window between two activations is short: give the race several chances


def proposed(world, mql: int) -> LeadDefinition:
    version = services.definition_create(
        document={**TEST_DOCUMENT, "thresholds": {"mql": mql}}, acting_user=world.marketer
    )
    return services.definition_propose(definition_id=version.pk, acting_user=world.marketer)


def statuses() -> Counter:
    """Of `definition` (v2) and the versions the test made; the starter v1 may be around."""
    return Counter(LeadDefinition.objects.filter(version__gte=2).values_list("status", flat=True))


def test_both_sides_signing_at_once_activate_the_version_once(world, definition):
    for round_ in range(ROUNDS):
        version = proposed(world, 40 + round_)

        results = run_in_parallel(
            [
                lambda pk=version.pk: services.definition_sign(definition_id=pk, acting_user=world.marketing_lead),
                lambda pk=version.pk: services.definition_sign(definition_id=pk, acting_user=world.manager),
            ]
        )

        assert [r for r in results if isinstance(r, Exception)] == []
        assert sorted(activated for _, activated in results) == [False, True]
        assert LeadDefinition.objects.get(status="active") == version
        assert Rescore.objects.filter(definition=version).count() == 1
        assert version.events.filter(kind="activated").count() == 1

    assert statuses() == {"active": 1, "retired": ROUNDS}
    assert DBTaskResult.objects.filter(task_path="accord.crm.tasks.rescore_run_task").count() == ROUNDS


def test_every_signer_at_once_still_activates_once(world, definition):
    second_lead = User.objects.create(email="mlead2@accord.test", role=Role.MARKETING_LEAD)
    version = proposed(world, 40)
    signers = [world.marketing_lead, second_lead, world.manager, world.americas_manager]

    results = run_in_parallel(
        [lambda user=user: services.definition_sign(definition_id=version.pk, acting_user=user) for user in signers]
    )

    # Whoever comes after the activation finds an active version: nothing left to sign.
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(error, InvalidTransition) for error in errors), errors
    assert [r[1] for r in results if not isinstance(r, Exception)].count(True) == 1
    assert len(errors) + version.signatures.count() == len(signers)
    assert statuses() == {"active": 1, "retired": 1}
    assert LeadDefinition.objects.get(status="active") == version
    assert Rescore.objects.count() == 1


def test_two_versions_completing_at_once_end_with_one_active(world, definition):
    previous = definition
    for round_ in range(ROUNDS):
        first, second = proposed(world, 40 + round_), proposed(world, 60 + round_)
        for version in (first, second):
            services.definition_sign(definition_id=version.pk, acting_user=world.marketing_lead)

        results = run_in_parallel(
            [
                lambda pk=first.pk: services.definition_sign(definition_id=pk, acting_user=world.manager),
                lambda pk=second.pk: services.definition_sign(definition_id=pk, acting_user=world.americas_manager),
            ]
        )

        # Both activations take their turn: the later one retires the earlier.
        assert [r for r in results if isinstance(r, Exception)] == []
        assert [activated for _, activated in results] == [True, True]
        pair = {v.pk: v for v in LeadDefinition.objects.filter(pk__in=[first.pk, second.pk])}
        assert sorted(v.status for v in pair.values()) == ["active", "retired"]
        winner = next(v for v in pair.values() if v.status == "active")
        loser = next(v for v in pair.values() if v.status == "retired")
        assert (loser.activated_at is not None, loser.retired_at is not None) == (True, True)
        assert loser.events.get(kind="retired").data == {"replaced_by": winner.version}
        assert winner.events.get(kind="activated").data["replaces"] == loser.version
        assert loser.events.get(kind="activated").data["replaces"] == previous.version
        assert Rescore.objects.filter(definition__in=[first, second]).count() == 2
        previous = winner

    assert statuses() == {"active": 1, "retired": 2 * ROUNDS}
    assert DefinitionEvent.objects.filter(kind="retired").count() == 2 * ROUNDS


def test_drafts_created_at_once_get_distinct_versions(world, definition):
    creators = [world.marketer, world.marketing_lead, world.manager, world.admin]

    results = run_in_parallel(
        [lambda user=user: services.definition_create(document=TEST_DOCUMENT, acting_user=user) for user in creators]
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sorted(draft.version for draft in results) == [3, 4, 5, 6]
    assert sorted(LeadDefinition.objects.values_list("version", flat=True)) == [2, 3, 4, 5, 6]
    assert DefinitionEvent.objects.filter(kind="created").count() == 4
