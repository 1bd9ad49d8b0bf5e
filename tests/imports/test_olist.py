"""End to end on real data: the Olist marketing funnel (8,000 MQLs, 842 closed deals),
imported with the mapping files shipped in docs/examples. The expected numbers are
counted here from the CSV files with the csv module, independently of the importer."""

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from accord.campaigns.models import Campaign
from accord.crm.models import Account, Lead, LeadEvent, Opportunity
from accord.imports.mapping import mapping_load
from accord.imports.services import import_run
from accord.notifications.models import Notification
from accord.people.models import User
from accord.reports.funnel import funnel_report
from accord.reports.selectors import NONE_LABEL
from accord.routing.models import SlaClock

REPOSITORY = Path(__file__).resolve().parents[2]
DATA = REPOSITORY / ".." / "shared" / "data" / "olist_marketing_funnel"
MQLS = DATA / "olist_marketing_qualified_leads_dataset.csv"
DEALS = DATA / "olist_closed_deals_dataset.csv"
EXAMPLES = REPOSITORY / "docs" / "examples"


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        pytest.fail(
            f"The Olist data set is missing: {path.resolve()} does not exist. It lives in the shared "
            "checkout beside this repository (../shared/data/olist_marketing_funnel/); check it out there."
        )
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def olist() -> dict:
    """What the files say, counted with the csv module."""
    mqls, deals = _rows(MQLS), _rows(DEALS)
    origin = {row["mql_id"]: row["origin"] or NONE_LABEL for row in mqls}
    won = {row["mql_id"] for row in deals if row["mql_id"] in origin}
    days = [date.fromisoformat(row["first_contact_date"]) for row in mqls]
    return {
        "mqls": len(mqls),
        "deals": len(deals),
        "orphan deals": sum(1 for row in deals if row["mql_id"] not in origin),
        "leads by origin": Counter(origin.values()),
        "won by origin": Counter(origin[mql_id] for mql_id in won),
        "won": len(won),
        "landing pages": len({row["landing_page_id"] for row in mqls if row["landing_page_id"]}),
        "people": len({row["sdr_id"] for row in deals} | {row["sr_id"] for row in deals}),
        "sdr of": {row["mql_id"]: row["sdr_id"] for row in deals},
        "period": (min(days), max(days)),
    }


def import_olist() -> tuple[dict, dict]:
    leads = import_run("leads", MQLS, mapping=mapping_load(EXAMPLES / "olist-mqls.json", kind="leads"))
    deals = import_run(
        "opportunities", DEALS, mapping=mapping_load(EXAMPLES / "olist-closed-deals.json", kind="opportunities")
    )
    return leads.summary, deals.summary


def test_the_funnel_of_the_olist_data_is_the_funnel_of_its_files(db, olist):
    leads, deals = import_olist()

    assert (olist["mqls"], olist["won"]) == (8000, 842)
    assert leads == {
        "read": olist["mqls"],
        "created": olist["mqls"],
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "campaigns created": olist["landing pages"],
        "routed": 0,  # no team in this database
    }
    assert deals == {
        "read": olist["deals"],
        "created": olist["deals"] - olist["orphan deals"],
        "updated": 0,
        "unchanged": 0,
        "rejected": olist["orphan deals"],
        "users created": olist["people"],
    }
    first, last = olist["period"]
    *groups, total = funnel_report(date_from=first, date_to=last, by="source")
    assert (total.leads, total.reached) == (8000, {"mql": 8000, "sal": 842, "sql": 842, "customer": 842})
    by_origin = {row.group: (row.leads, row.reached["mql"], row.reached["customer"]) for row in groups}
    assert by_origin == {
        origin: (count, count, olist["won by origin"][origin]) for origin, count in olist["leads by origin"].items()
    }
    # The SDR who worked each won lead owns it; every imported person is an inactive user.
    owners = dict(Lead.objects.filter(stage="customer").values_list("external_id", "owner__first_name"))
    assert owners == {mql_id: sdr for mql_id, sdr in olist["sdr of"].items() if mql_id in owners}
    assert len(owners) == olist["won"]
    assert not User.objects.filter(is_active=True).exists()
    assert not SlaClock.objects.exists()
    assert not Notification.objects.exists()


def _state() -> dict:
    return {
        "leads": sorted(Lead.objects.values_list("external_id", "stage", "owner_id", "stage_changed_at")),
        "events": LeadEvent.objects.count(),
        "opportunities": sorted(Opportunity.objects.values_list("external_id", "status", "amount", "closed_at")),
        "users": User.objects.count(),
        "campaigns": Campaign.objects.count(),
        "accounts": Account.objects.count(),
    }


def test_importing_the_olist_files_again_changes_nothing(db, olist):
    import_olist()
    before = _state()

    leads, deals = import_olist()

    assert leads == {"read": olist["mqls"], "created": 0, "updated": 0, "unchanged": olist["mqls"], "rejected": 0}
    unchanged = olist["deals"] - olist["orphan deals"]
    assert deals == {
        "read": olist["deals"],
        "created": 0,
        "updated": 0,
        "unchanged": unchanged,
        "rejected": olist["orphan deals"],
    }
    assert _state() == before
