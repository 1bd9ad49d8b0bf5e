"""`accord demo` prepares a usable database once and is safe to re-run."""

from click.testing import CliRunner
from django.db.models import Sum

from accord.campaigns.models import Campaign, CampaignCost
from accord.cli import main
from accord.crm.models import Lead, LeadEvent, Opportunity
from accord.definitions.models import LeadDefinition
from accord.people.models import Team, User
from accord.routing.models import SlaClock


def test_demo_generates_history_once_and_prints_logins(db):
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--leads", "120"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "admin@accord.demo" in result.output
    assert "password: accord-demo" in result.output
    assert Lead.objects.count() == 120
    assert set(Team.objects.values_list("name", flat=True)) == {"EMEA", "Americas", "APAC", "Enterprise"}
    assert len(set(User.objects.values_list("timezone", flat=True))) >= 6
    assert LeadDefinition.objects.get(status="active").parsed.fast_track_types == ["demo_request"]
    admin = User.objects.get(email="admin@accord.demo")
    assert admin.check_password("accord-demo")
    # The loop really ran: qualified, routed, worked, some deals closed.
    assert LeadEvent.objects.filter(kind="assigned").exists()
    assert SlaClock.objects.exists()
    assert Opportunity.objects.exists()
    assert Lead.objects.filter(stage__in=["sal", "sql", "customer"]).exists()
    # Every campaign has its cost ledger, each month's entries above zero (the cost report's input).
    months = CampaignCost.objects.values_list("campaign", "month").annotate(total=Sum("amount"))
    assert {campaign for campaign, _, _ in months} == set(Campaign.objects.values_list("pk", flat=True))
    assert min(total for _, _, total in months) > 0
    # A new version waits for sales' signature: proposed and signed by marketing.
    proposal = LeadDefinition.objects.get(status="proposed")
    assert (proposal.version, proposal.name, proposal.parsed.thresholds.mql) == (2, "Bigger companies first", 55)
    assert list(proposal.signatures.values_list("side", "user__email")) == [("marketing", "mara.marketing@accord.demo")]

    again = CliRunner().invoke(main, ["demo", "--no-serve", "--leads", "120"], catch_exceptions=False)

    assert "Demo data already loaded." in again.output
    assert Lead.objects.count() == 120
