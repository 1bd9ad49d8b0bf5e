from django.contrib import admin

from accord.definitions.models import LeadDefinition


@admin.register(LeadDefinition)
class LeadDefinitionAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "status", "created_at", "activated_at"]
    readonly_fields = ["status", "activated_at", "retired_at"]
