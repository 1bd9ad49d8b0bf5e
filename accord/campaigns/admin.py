from django.contrib import admin

from accord.campaigns.models import Campaign, CampaignCost


class CampaignCostInline(admin.TabularInline):
    """The cost ledger, read only: entries are recorded through the cost page, the API or
    the command line (which check them), and never changed."""

    model = CampaignCost
    fields = ["month", "amount", "note", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "channel",
        "kind",
        "status",
        "starts_on",
        "ends_on",
        "budget",
        "owner",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["code", "name"]
    inlines = [CampaignCostInline]
