from accord.definitions.models import LeadDefinition


def definition_active() -> LeadDefinition | None:
    return LeadDefinition.objects.filter(status=LeadDefinition.Status.ACTIVE).first()
