from django.db import migrations

STAGES = [("Discovery", 10), ("Demo", 25), ("Proposal", 50), ("Negotiation", 75)]


def create_stages(apps, schema_editor):
    SalesStage = apps.get_model("crm", "SalesStage")
    if not SalesStage.objects.exists():
        SalesStage.objects.bulk_create(
            SalesStage(name=name, position=i, probability=p) for i, (name, p) in enumerate(STAGES, 1)
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_initial")]
    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
