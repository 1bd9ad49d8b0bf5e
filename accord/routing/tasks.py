from django.tasks import task
from django.utils import timezone

from accord.routing.services import sla_flag_breach


@task()
def sla_check(clock_id: int) -> bool:
    """Runs at the clock's deadline (scheduled when the clock starts)."""
    return sla_flag_breach(clock_id, at=timezone.now())
