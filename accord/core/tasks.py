"""The one way domain code schedules background work: never for data that did not commit.

A task queued inside a transaction that later rolls back would run against rows that never
existed. With django-tasks-db storing its queue in the same database, the task row is simply
written inside the transaction — it commits or vanishes with the data (a transactional
outbox) and saves a separate write after commit. Any other backend is enqueued on commit.
Tasks take ids, not objects, and must be idempotent: a worker may run one again after a crash.
"""

from datetime import datetime
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks import Task


@cache
def _queue_is_in_this_database(backend_alias: str) -> bool:
    from django.tasks import task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[backend_alias]
    return isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS


def enqueue_on_commit(task: Task, *args: Any, run_after: datetime | None = None, **kwargs: Any) -> None:
    scheduled = task.using(run_after=run_after) if run_after else task
    if _queue_is_in_this_database(scheduled.backend):
        scheduled.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: scheduled.enqueue(*args, **kwargs), robust=True)
