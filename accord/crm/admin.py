from django.contrib import admin

from accord.crm.models import Account, Lead, LeadEvent, Opportunity, SalesStage, Touchpoint
from accord.crm.services import LEAD_INPUT_FIELDS, lead_capture


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "from_stage", "to_stage", "actor", "reason", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "stage", "score_total", "owner", "source", "created_at"]
    list_filter = ["stage", "source", "team"]
    search_fields = ["email", "company", "last_name"]
    list_select_related = ["owner"]
    readonly_fields = [
        "stage",
        "owner",
        "team",
        "score_fit",
        "score_engagement",
        "score_total",
        "scored_at",
        "definition",
        "qualification",
        "qualified_at",
        "nurture_since",
        "stage_changed_at",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["account", "campaign"]
    inlines = [LeadEventInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New leads go through capture: same email → same lead, scored and routed.
        data = {name: form.cleaned_data.get(name) for name in LEAD_INPUT_FIELDS if name in form.cleaned_data}
        data["country"] = data.get("country") or None
        data["campaign"] = data["campaign"].code if data.get("campaign") else None
        lead, _ = lead_capture(data=data, acting_user=request.user)
        obj.pk = lead.pk


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "lead", "kind", "from_stage", "to_stage", "actor", "reason"]
    list_filter = ["kind", "to_stage"]
    list_select_related = ["lead", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "industry", "country", "company_size", "owner"]
    search_fields = ["name", "domain"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "lead", "type", "channel", "campaign"]
    list_filter = ["type", "channel"]
    raw_id_fields = ["lead"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "amount", "status", "sales_stage", "owner", "created_at", "closed_at"]
    list_filter = ["status", "sales_stage"]
    raw_id_fields = ["lead", "account"]


@admin.register(SalesStage)
class SalesStageAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "probability"]
