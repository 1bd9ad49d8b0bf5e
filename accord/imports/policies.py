"""Who may import, and whose import jobs they see.

- admin: imports, and sees every job.
- marketing, marketing_lead: import, and see the jobs they started.
- sales reps, sales managers, executives: no imports (an import writes leads, owners and
  stages in bulk, past the checks of the one-lead forms).
"""

from django.db.models import QuerySet

from accord.crm.policies import is_admin
from accord.imports.models import ImportJob
from accord.people.models import MARKETING_ROLES, Role, User

IMPORT_ROLES = frozenset({Role.ADMIN, *MARKETING_ROLES})


def can_import(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in IMPORT_ROLES)


def visible_jobs(user: User, jobs: QuerySet[ImportJob] | None = None) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.all() if jobs is None else jobs
    if not can_import(user):
        return jobs.none()
    return jobs if is_admin(user) else jobs.filter(created_by=user)
