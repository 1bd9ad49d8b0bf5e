from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from accord.notifications.models import Notification


@task()
def notification_email(notification_id: int) -> bool:
    """Send one notification by email, once: retries after a crash find emailed_at set."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "lead")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        body = notification.message
        if notification.lead_id:
            body += f"\n\nOpen the lead: /leads/{notification.lead_id}/"
        send_mail(
            subject=f"[Accord] {notification.get_kind_display()}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True
