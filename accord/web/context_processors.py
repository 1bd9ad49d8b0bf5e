from accord.crm.policies import can_capture, can_use_inbox
from accord.imports.policies import can_import


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_capture": can_capture(user),
        "nav_has_inbox": can_use_inbox(user),
        "nav_can_import": can_import(user),
        "nav_unread": user.notifications.filter(read_at__isnull=True).count(),
    }
