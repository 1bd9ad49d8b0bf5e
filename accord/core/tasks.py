"""The one way domain code schedules background work: after the transaction commits.

A task enqueued inside a transaction that later rolls back would run against rows that
never existed; enqueuing on commit makes that impossible. Tasks take ids, not objects,
and must be idempotent because a worker may run them again after a crash.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.tasks import Task


def enqueue_on_commit(task: Task, *args: Any, run_after: datetime | None = None, **kwargs: Any):
    scheduled = task.using(run_after=run_after) if run_after else task
    transaction.on_commit(lambda: scheduled.enqueue(*args, **kwargs), robust=True)
