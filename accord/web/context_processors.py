from accord.crm.policies import can_capture


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_can_capture": can_capture(user),
        "nav_has_inbox": user.role in ("sales_rep", "sales_manager", "admin") or user.is_superuser,
        "nav_unread": user.notifications.filter(read_at__isnull=True).count(),
    }
