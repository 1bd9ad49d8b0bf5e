from django.contrib import admin

from accord.definitions.models import LeadDefinition


@admin.register(LeadDefinition)
class LeadDefinitionAdmin(admin.ModelAdmin):
    list_display = ["version", "name", "status", "created_at", "activated_at"]
    readonly_fields = ["status", "activated_at", "retired_at"]

    def get_readonly_fields(self, request, obj=None):
        # Proposed, active and retired versions are immutable: a change is a new version.
        if obj is not None and obj.status != LeadDefinition.Status.DRAFT:
            return [field.name for field in obj._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == LeadDefinition.Status.DRAFT
