from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accord.people.models import ApiToken, Team, Territory, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "role",
        "team",
        "capacity",
        "is_out_of_office",
        "is_active",
    ]
    list_filter = ["role", "team", "is_out_of_office", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "role", "team"]}),
        (
            "Routing and working hours",
            {
                "fields": [
                    "capacity",
                    "is_out_of_office",
                    "timezone",
                    "work_days",
                    "work_start",
                    "work_end",
                ]
            },
        ),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "team", "password1", "password2"]})]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager", "is_default"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "priority", "min_company_size", "max_company_size"]
    list_filter = ["team"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["key_prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_prefix", "key_hash", "user", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # raw tokens are shown once: create them with `accord token create`
