from django.contrib import admin

from accord.campaigns.models import Campaign


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
