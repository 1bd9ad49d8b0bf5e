from django.contrib import admin

from accord.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "message", "read_at", "emailed_at"]
    list_filter = ["kind"]
