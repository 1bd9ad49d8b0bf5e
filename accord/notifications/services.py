from datetime import datetime

from accord.core.tasks import enqueue_on_commit
from accord.crm.models import Lead
from accord.notifications.models import Notification
from accord.people.models import User


def notify(
    *, recipient: User, kind: str, lead: Lead | None, message: str, at: datetime, email: bool = True
) -> Notification:
    """An in-app notification, and the same by email once the transaction commits."""
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, lead=lead, message=message[:300], created_at=at
    )
    if email:
        from accord.notifications.tasks import notification_email  # tasks import this module

        enqueue_on_commit(notification_email, notification.pk)
    return notification


def notifications_mark_read(*, user: User, at: datetime) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=at)
