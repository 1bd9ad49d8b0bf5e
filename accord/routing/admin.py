from django.contrib import admin

from accord.routing.models import SlaClock


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["lead", "rep", "started_at", "due_at", "stopped_at", "outcome", "breached_at"]
    list_filter = ["outcome"]
    list_select_related = ["lead", "rep"]
