"""Leads added in the Django admin go through capture: same email, same lead; scored and routed."""

from accord.crm.models import Lead, LeadEvent


def _add(client, **fields):
    data = {
        "email": "", "first_name": "", "last_name": "", "company": "", "title": "", "phone": "", "country": "",
        "region": "", "industry": "", "company_size": "", "source": "", "utm_source": "", "utm_medium": "",
        "utm_campaign": "", "need": "", "authority": "", "budget": "", "timeline": "", "custom": "{}",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", **fields,
    }  # fmt: skip
    return client.post("/admin/crm/lead/add/", data)


def test_admin_add_scores_qualifies_and_routes(world, client):
    client.force_login(world.admin)

    response = _add(
        client,
        email="VP@Bigco.example",
        first_name="Vera",
        company="Bigco",
        title="VP Sales",
        company_size="120",
        country="DE",
        need="Shared funnel",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    lead = Lead.objects.get()
    # fit 20 + 10 = 30 < 50: a lead, scored under the active definition, created by the admin.
    assert (lead.email, lead.stage, lead.score_total, lead.definition.version) == ("vp@bigco.example", "lead", 30, 2)
    assert LeadEvent.objects.get(kind="created").actor == world.admin


def test_admin_add_of_a_known_email_in_other_case_updates_that_lead(world, client):
    client.force_login(world.admin)
    _add(client, email="vp@bigco.example", first_name="Vera")

    _add(client, email="VP@BIGCO.EXAMPLE", company="Bigco")

    lead = Lead.objects.get()
    assert (lead.first_name, lead.company) == ("Vera", "Bigco")


def test_admin_add_of_the_exact_same_email_is_refused_and_changes_nothing(world, client):
    client.force_login(world.admin)
    _add(client, email="vp@bigco.example", first_name="Vera")

    response = _add(client, email="vp@bigco.example", company="Other")

    assert response.status_code == 200  # the form again, with the error
    assert "Lead with this Email already exists." in response.content.decode()
    assert Lead.objects.get().company == ""
