from django.tasks import task

from accord.imports.jobs import job_run


@task()
def import_job_run(job_id: int) -> bool:
    """Run one queued import (enqueued by `job_start`). A finished job is not run again."""
    return job_run(job_id=job_id)
