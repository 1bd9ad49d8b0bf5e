"""Covering indexes for the deal and revenue reports (pipeline, sourcing, goal, cost, wins):
the status changes of the deals in a period, the leads created in a period with their
campaign and team, and the stage events in a period with their lead — each read from its
index alone. Each replaces the index it extends (same leading columns)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0008_opportunity_history"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="lead",
            name="crm_lead_created_d9bbc3_idx",
        ),
        migrations.RemoveIndex(
            model_name="leadevent",
            name="crm_leadeve_to_stag_4606c4_idx",
        ),
        migrations.RemoveIndex(
            model_name="opportunityevent",
            name="crm_opportu_kind_a01c60_idx",
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["created_at", "campaign", "team", "id"], name="lead_created_covering"),
        ),
        migrations.AddIndex(
            model_name="leadevent",
            index=models.Index(
                fields=["to_stage", "occurred_at", "kind", "lead", "id"], name="leadevent_stage_covering"
            ),
        ),
        migrations.AddIndex(
            model_name="opportunityevent",
            index=models.Index(
                fields=["kind", "occurred_at", "opportunity", "status", "id"], name="oppevent_status_covering"
            ),
        ),
    ]
