"""The leads list: filters, pagination and the CSV export of exactly the filtered rows."""

import csv
import io
import re
from datetime import timedelta

import pytest

from accord.crm import services
from accord.crm.models import Lead
from accord.exports.rows import LEAD_COLUMNS
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for, qualified_lead

HEADER = ",".join(LEAD_COLUMNS)  # the export's columns, written out in tests/exports


@pytest.fixture
def four_leads(world, accounts):
    """
    email                created  stage       owner  source      score
    vp@bigco.example     10:00    mql         rep    webinar     50.0 (30 fit + 20 download)
    ann@smallco.example  11:00    lead        —      ads          0.0
    news@reader.example  12:00    subscriber  —      newsletter   0.0
    bob@gmail.com        13:00    lead        —      ads        -15.0 (free mail)
    """
    qualified_lead(world, "vp@bigco.example", source="webinar", campaign="webinar-1")
    for hours, data in [
        (1, {"email": "ann@smallco.example", "first_name": "Ann", "last_name": "Smith", "company": "Smallco"}),
        (2, {"email": "news@reader.example"}),
        (3, {"email": "bob@gmail.com", "first_name": "Bob", "last_name": "Jones", "company": "Bigco Labs"}),
    ]:
        source = {1: "ads", 2: "newsletter", 3: "ads"}[hours]
        services.lead_capture(
            data={**data, "source": source}, acting_user=world.marketer, at=MONDAY_10 + timedelta(hours=hours)
        )


def _emails(html: str) -> list[str]:
    return re.findall(r'<br><span class="muted">([^<]+)</span></td>', html)


@pytest.mark.parametrize(
    ("query", "emails"),
    [
        ("", ["bob@gmail.com", "news@reader.example", "ann@smallco.example", "vp@bigco.example"]),
        ("stage=mql", ["vp@bigco.example"]),
        ("stage=lead", ["bob@gmail.com", "ann@smallco.example"]),
        ("stage=customer", []),
        ("owner=rep@accord.test", ["vp@bigco.example"]),
        ("owner=REP@accord.test", ["vp@bigco.example"]),
        ("owner=none", ["bob@gmail.com", "news@reader.example", "ann@smallco.example"]),
        ("source=ads", ["bob@gmail.com", "ann@smallco.example"]),
        ("source=ADS", ["bob@gmail.com", "ann@smallco.example"]),
        ("search=bigco", ["bob@gmail.com", "vp@bigco.example"]),
        ("search=smith", ["ann@smallco.example"]),
        ("search=reader", ["news@reader.example"]),
        ("stage=lead&source=ads&search=smith", ["ann@smallco.example"]),
        ("stage=mql&source=ads", []),
    ],
)
def test_filters(world, four_leads, query, emails):
    response = client_for(world, "marketing").get(f"/leads/?{query}")

    html = response.content.decode()
    assert response.status_code == 200
    assert _emails(html) == emails
    count = len(emails)
    assert f'<p class="muted">{count} lead{"" if count == 1 else "s"}</p>' in html
    assert ("No leads match." in html) is (count == 0)


def test_filters_are_kept_in_the_form(world, four_leads):
    html = client_for(world, "marketing").get("/leads/?stage=lead&owner=none&source=ads&search=smith").content.decode()

    assert '<option value="lead" selected>' in html
    assert 'name="owner" value="none"' in html
    assert 'name="source" value="ads"' in html
    assert 'name="search" value="smith"' in html
    assert 'href="?stage=lead&amp;owner=none&amp;source=ads&amp;search=smith&amp;format=csv"' in html


def test_a_rep_lists_only_their_teams_leads(world, four_leads):
    americas = qualified_lead(world, "ann@usco.example", country="US", company="Usco")
    assert americas.owner == world.americas_rep

    assert _emails(client_for(world, "other_team_rep").get("/leads/").content.decode()) == ["ann@usco.example"]
    assert _emails(client_for(world, "teammate").get("/leads/").content.decode()) == ["vp@bigco.example"]


def _csv(response) -> str:
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="leads.csv"'
    return b"".join(response.streaming_content).decode()


def _ids(*emails: str) -> list[int]:
    ids = dict(Lead.objects.values_list("email", "id"))
    return [ids[email] for email in emails]


def test_csv_export_has_the_exact_header_and_the_filtered_rows(world, four_leads):
    bob, ann = _ids("bob@gmail.com", "ann@smallco.example")

    response = client_for(world, "marketing").get("/leads/?source=ads&format=csv")

    assert _csv(response).split("\r\n") == [
        HEADER,
        f"{bob},bob@gmail.com,,Bob,Jones,Bigco Labs,,,,,,,ads,,,,,,,,,false,lead,,,0.0,0.0,-15.0,"
        "2026-03-02T13:00:00+00:00,{}",
        f"{ann},ann@smallco.example,,Ann,Smith,Smallco,,,,,,,ads,,,,,,,,,false,lead,,,0.0,0.0,0.0,"
        "2026-03-02T11:00:00+00:00,{}",
        "",
    ]


def test_csv_export_of_everything(world, four_leads):
    bob, news, ann, vp = _ids("bob@gmail.com", "news@reader.example", "ann@smallco.example", "vp@bigco.example")

    text = _csv(client_for(world, "executive").get("/leads/?format=csv"))

    assert text.split("\r\n") == [
        HEADER,
        f"{bob},bob@gmail.com,,Bob,Jones,Bigco Labs,,,,,,,ads,,,,,,,,,false,lead,,,0.0,0.0,-15.0,"
        "2026-03-02T13:00:00+00:00,{}",
        f"{news},news@reader.example,,,,,,,,,,,newsletter,,,,,,,,,false,subscriber,,,0.0,0.0,0.0,"
        "2026-03-02T12:00:00+00:00,{}",
        f"{ann},ann@smallco.example,,Ann,Smith,Smallco,,,,,,,ads,,,,,,,,,false,lead,,,0.0,0.0,0.0,"
        "2026-03-02T11:00:00+00:00,{}",
        f"{vp},vp@bigco.example,,Vera,Penn,Bigco,VP Sales,,DE,,,120,webinar,webinar-1,,,,Shared funnel,,,,false,mql,"
        "rep@accord.test,EMEA,30.0,20.0,50.0,2026-03-02T10:00:00+00:00,{}",
        "",
    ]


def test_csv_export_of_nothing_is_just_the_header(world, four_leads):
    response = client_for(world, "marketing").get("/leads/?stage=customer&format=csv")

    assert _csv(response) == HEADER + "\r\n"


@pytest.fixture
def many_leads(world):
    """53 leads from a bulk import, lead-0 oldest; 2 more from another source."""
    Lead.objects.bulk_create(
        [
            Lead(email=f"lead-{i}@bulk.example", source="import", created_at=MONDAY_10 + timedelta(minutes=i))
            for i in range(53)
        ]
        + [Lead(email=f"other-{i}@bulk.example", source="fair", created_at=MONDAY_10) for i in range(2)]
    )


def test_pagination_keeps_the_filters(world, many_leads):
    client = client_for(world, "marketing")

    first = client.get("/leads/?source=import").content.decode()
    second = client.get("/leads/?source=import&page=2").content.decode()

    assert _emails(first) == [f"lead-{i}@bulk.example" for i in range(52, 2, -1)]
    assert "Page 1 of 2" in first
    assert '<a href="?source=import&amp;page=2">Next →</a>' in first
    assert "← Previous" not in first
    assert _emails(second) == ["lead-2@bulk.example", "lead-1@bulk.example", "lead-0@bulk.example"]
    assert "Page 2 of 2" in second
    assert '<a href="?source=import&amp;page=1">← Previous</a>' in second
    assert "Next →" not in second
    assert '<p class="muted">53 leads</p>' in first


def test_csv_export_ignores_pagination(world, many_leads):
    text = _csv(client_for(world, "marketing").get("/leads/?source=import&page=2&format=csv"))

    assert len(text.splitlines()) == 1 + 53


@pytest.mark.parametrize(("page", "shown"), [("99", "Page 2 of 2"), ("0", "Page 2 of 2"), ("abc", "Page 1 of 2")])
def test_an_out_of_range_page_shows_a_real_page(world, many_leads, page, shown):
    response = client_for(world, "marketing").get(f"/leads/?source=import&page={page}")

    assert response.status_code == 200
    assert shown in response.content.decode()


def test_csv_export_keeps_formulas_as_text(world):
    # Given a lead whose company a spreadsheet would otherwise run as a formula
    services.lead_capture(
        data={"email": "x@evil.example", "company": '=HYPERLINK("http://evil.example","Click")', "last_name": "-1+1"},
        acting_user=world.marketer,
        at=MONDAY_10,
    )

    # When marketing exports the list
    rows = list(csv.reader(io.StringIO(_csv(client_for(world, "marketing").get("/leads/?format=csv")))))

    # Then both cells start with a quote, so they stay text
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["last_name"], row["company"]) == ("'-1+1", '\'=HYPERLINK("http://evil.example","Click")')
