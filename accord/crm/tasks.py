from django.tasks import task

from accord.crm.rescoring import rescore_run


@task()
def rescore_run_task(rescore_id: int) -> bool:
    """Rescore every open lead after a definition was activated (queued by the activation)."""
    return rescore_run(rescore_id)
