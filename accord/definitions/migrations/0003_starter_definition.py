from django.db import migrations
from django.utils import timezone

# The definition a new installation starts with (v1): a reasonable B2B starting point that both
# teams are expected to replace with their own signed version. Frozen here, as migrations are.
STARTER = {
    "fit_rules": [
        {"label": "Company of 50+ employees", "when": {"field": "company_size", "op": "gte", "value": 50}, "points": 15},
        {"label": "Company of 500+ employees", "when": {"field": "company_size", "op": "gte", "value": 500}, "points": 10},
        {"label": "Target industry", "when": {"field": "industry", "op": "in",
         "value": ["software", "financial services", "manufacturing", "healthcare"]}, "points": 10},
        {"label": "Title: VP", "when": {"field": "title", "op": "contains", "value": "VP"}, "points": 10},
        {"label": "Title: Director", "when": {"field": "title", "op": "contains", "value": "Director"}, "points": 10},
        {"label": "Title: Head of", "when": {"field": "title", "op": "contains", "value": "Head"}, "points": 8},
        {"label": "Phone number given", "when": {"field": "phone", "op": "present"}, "points": 5},
    ],
    "engagement_rules": [
        {"type": "page_view", "points": 1, "half_life_days": 7, "max_count": 20},
        {"type": "email_open", "points": 1, "half_life_days": 7, "max_count": 10},
        {"type": "email_click", "points": 3, "half_life_days": 14},
        {"type": "ad_click", "points": 2, "half_life_days": 7},
        {"type": "form_fill", "points": 10, "half_life_days": 30},
        {"type": "content_download", "points": 12, "half_life_days": 30},
        {"type": "webinar", "points": 15, "half_life_days": 30},
        {"type": "event", "points": 15, "half_life_days": 45},
        {"type": "demo_request", "points": 40, "half_life_days": 60},
    ],
    "negative_rules": [
        {"label": "Free email address", "when": {"field": "email_domain", "op": "in",
         "value": ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"]}, "points": -10},
        {"label": "Student", "when": {"field": "title", "op": "contains", "value": "student"},
         "points": -40, "knockout": True},
    ],
    "requirements": {"contact": True, "need": True, "authority": False, "budget": False, "timeline": False},
    "thresholds": {"mql": 50, "fit_min": 0, "engagement_min": 0},
    "fast_track_types": ["demo_request"],
    "sla": {"follow_up_business_hours": 4, "mql_commitment_per_month": 150},
    "reason_codes": [
        "not_ready", "no_budget", "no_authority", "no_need", "wrong_contact", "student_or_job_seeker",
        "competitor", "duplicate", "bad_data", "existing_customer", "other",
    ],
}


def create_starter(apps, schema_editor):
    LeadDefinition = apps.get_model("definitions", "LeadDefinition")
    if not LeadDefinition.objects.exists():
        now = timezone.now()
        LeadDefinition.objects.create(
            version=1, name="Starter definition", status="active", document=STARTER,
            created_at=now, activated_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("definitions", "0002_initial")]
    operations = [migrations.RunPython(create_starter, migrations.RunPython.noop)]
