"""The wins feed and its weekly digest over deals built by hand through the real services.

People: Rita Rep (EMEA, owns the Bigco account, so every bigco.example lead is routed to her)
accepts leads; Alex Ae (EMEA) closes; Mia Marketer owns the campaign webinar-1 (channel
webinar), Lena Lead owns ads-1 "Spring ads" (paid_search) and expo-1 "Expo" (events).
Times UTC, 2026; Monday 2 March to Sunday 8 March is a week.

W1 "Bigco platform", 10,000, lead Vera Penn (captured through webinar-1 Mon 2 Mar 09:00):
   a page view of webinar-1 09:15, a content download of ads-1 09:30 (→ MQL, routed to
   Rita), accepted by Rita 10:00, assigned to Alex by the manager 11:00, made a deal by
   Alex 12:00, won by Alex Thu 5 Mar 10:00; an Expo event touch Fri 6 Mar — after the win.
   → AE Alex Ae, SDR Rita Rep; campaigns webinar-1 (its own, from 09:00) then ads-1
     (09:30), credited to Mia Marketer and Lena Lead; 2 touchpoints (1 content download,
     1 page view), the first the page view, the last the download; Expo left out.
W2 "Bigco renewal", 6,000, lead Carl Cole (no campaign): a content download Tue 3 Mar 09:00
   (→ MQL, Rita), made a deal by Rita 10:00 (which accepts it: by the AE herself, so no
   SDR), won Wed 4 Mar 10:00, a webinar touch of webinar-1 Thu 5 Mar 09:00, REOPENED Thu
   5 Mar 10:00, won again Wed 11 Mar 10:00; an Expo event Thu 12 Mar — after the win.
   → a win of 11 March only (reopened before the first week ended); AE Rita Rep, no
     SDR; campaign webinar-1 (Mia Marketer); 2 touchpoints (1 content download, 1 webinar).
W3 "Imported deal", 8,000, imported without a lead for rep@accord.test: created Sun 1 Mar
   00:00, won Fri 6 Mar 12:00 → AE Rita Rep alone: no SDR, campaign or touchpoint.

Week 2–8 March: W3 (6 Mar), W1 (5 Mar): 2 wins, 18,000; W1 credited: 1 of 2 = 50.0%.
Week 9–15 March: W2: 1 win, 6,000, credited.
March: W2, W3, W1: 3 wins, 10,000 + 6,000 + 8,000 = 24,000; credited W1, W2: 2/3 = 0.6667.
Weeks of March (Mondays): 23 Feb (1 March only) 0/0, 2 Mar 2/1, 9 Mar 1/1, 16 Mar 0/0,
23 Mar 0/0, 30 Mar (30–31 only) 0/0.
"""

from datetime import UTC, date, datetime

import pytest
from django.core import mail

from accord.campaigns.models import Campaign
from accord.core.errors import InvalidInput
from accord.crm import services
from accord.crm.models import Account, Lead
from accord.imports.services import import_run
from accord.people.models import Role, User
from accord.reports.wins import (
    digest_recipients,
    last_week_ending,
    report_rows,
    wins_digest,
    wins_digest_send,
    wins_feed,
    wins_feed_for,
)
from tests.conftest import QUALIFIABLE

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
FIRST_WEEK = {"date_from": date(2026, 3, 2), "date_to": date(2026, 3, 8)}
DEALS_FILE = """external_id,name,lead,owner,amount,stage,created_at,closed_at,lost_reason
SF-9,Imported deal,,rep@accord.test,8000,won,2026-03-01T00:00:00Z,2026-03-06T12:00:00Z,
"""


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def name(user: User, first: str, last: str) -> None:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])


@pytest.fixture
def wins(world, definition, tmp_path):
    definition.activated_at = utc(1, 1, 0)
    definition.save(update_fields=["activated_at"])
    name(world.rep, "Rita", "Rep")
    name(world.other_rep, "Alex", "Ae")
    name(world.marketer, "Mia", "Marketer")
    name(world.marketing_lead, "Lena", "Lead")
    Account.objects.create(name="Bigco", domain="bigco.example", owner=world.rep)
    Campaign.objects.filter(pk=world.campaign.pk).update(owner=world.marketer)
    Campaign.objects.create(code="ads-1", name="Spring ads", channel="paid_search", owner=world.marketing_lead)
    Campaign.objects.create(code="expo-1", name="Expo", channel="events", owner=world.marketing_lead)
    marketer = world.marketer

    def touch(lead, kind, at, campaign=None):
        services.touchpoint_record(lead_id=lead.pk, type=kind, campaign=campaign, acting_user=marketer, at=at)

    # W1
    vera, _ = services.lead_capture(
        data={**QUALIFIABLE, "campaign": "webinar-1"}, acting_user=marketer, at=utc(3, 2, 9)
    )
    touch(vera, "page_view", utc(3, 2, 9, 15), "webinar-1")
    touch(vera, "content_download", utc(3, 2, 9, 30), "ads-1")
    assert Lead.objects.get(pk=vera.pk).owner == world.rep
    services.lead_accept(lead_id=vera.pk, acting_user=world.rep, at=utc(3, 2, 10))
    services.lead_assign(
        lead_id=vera.pk, owner_email=world.other_rep.email, acting_user=world.manager, at=utc(3, 2, 11)
    )
    w1 = services.opportunity_create(
        lead_id=vera.pk, acting_user=world.other_rep, amount=10_000, name="Bigco platform", at=utc(3, 2, 12)
    )
    services.opportunity_close(opportunity_id=w1.pk, acting_user=world.other_rep, won=True, at=utc(3, 5, 10))
    touch(vera, "event", utc(3, 6, 9), "expo-1")

    # W2
    carl, _ = services.lead_capture(
        data={**QUALIFIABLE, "email": "carl@bigco.example", "first_name": "Carl", "last_name": "Cole"},
        acting_user=marketer,
        at=utc(3, 3, 9),
    )
    touch(carl, "content_download", utc(3, 3, 9))
    w2 = services.opportunity_create(
        lead_id=carl.pk, acting_user=world.rep, amount=6_000, name="Bigco renewal", at=utc(3, 3, 10)
    )
    services.opportunity_close(opportunity_id=w2.pk, acting_user=world.rep, won=True, at=utc(3, 4, 10))
    touch(carl, "webinar", utc(3, 5, 9), "webinar-1")
    services.opportunity_reopen(opportunity_id=w2.pk, acting_user=world.rep, at=utc(3, 5, 10))
    services.opportunity_close(opportunity_id=w2.pk, acting_user=world.rep, won=True, at=utc(3, 11, 10))
    touch(carl, "event", utc(3, 12, 9), "expo-1")

    # W3
    path = tmp_path / "opportunities.csv"
    path.write_text(DEALS_FILE, encoding="utf-8")
    result = import_run("opportunities", path, now=utc(3, 20, 0))
    assert result.summary.get("rejected", 0) == 0, result.summary
    w3 = w2.__class__.objects.get(external_id="SF-9")
    return {"W1": w1, "W2": w2, "W3": w3, "vera": vera, "carl": carl}


def test_march_newest_win_first(wins, world):
    feed = wins_feed(**MARCH).as_dict()

    assert feed["summary"] == {"wins": 3, "revenue": 24_000.0, "marketing_credited": 2, "marketing_share": 0.6667}
    assert [row["opportunity"] for row in feed["rows"]] == [wins["W2"].pk, wins["W3"].pk, wins["W1"].pk]
    assert feed["rows"][2] == {
        "opportunity": wins["W1"].pk,
        "name": "Bigco platform",
        "amount": 10_000.0,
        "won_at": "2026-03-05T10:00:00+00:00",
        "account": "Bigco",
        "lead": {"id": wins["vera"].pk, "name": "Vera Penn"},
        "ae": {"id": world.other_rep.pk, "name": "Alex Ae"},
        "sdr": {"id": world.rep.pk, "name": "Rita Rep"},
        "marketing_credit": True,
        "campaigns": [
            {
                "code": "webinar-1",
                "name": "Webinar 1",
                "channel": "webinar",
                "owner": {"id": world.marketer.pk, "name": "Mia Marketer"},
            },
            {
                "code": "ads-1",
                "name": "Spring ads",
                "channel": "paid_search",
                "owner": {"id": world.marketing_lead.pk, "name": "Lena Lead"},
            },
        ],
        "touchpoints": {
            "count": 2,
            "by_type": {"content_download": 1, "page_view": 1},
            "first": {
                "type": "page_view",
                "channel": "webinar",
                "campaign": "webinar-1",
                "at": "2026-03-02T09:15:00+00:00",
            },
            "last": {
                "type": "content_download",
                "channel": "paid_search",
                "campaign": "ads-1",
                "at": "2026-03-02T09:30:00+00:00",
            },
        },
    }


def test_a_reopened_deal_counts_once_where_it_was_won_again(wins, world):
    """W2 was won on 4 March and reopened on the 5th: not a win of 2–8 March; it is one of
    11 March, with the touchpoint of 5 March (before its last win) and not the one of the
    12th, and no SDR — Rita accepted it by converting it herself."""
    first_week = wins_feed(**FIRST_WEEK)
    march = wins_feed(**MARCH)

    assert wins["W2"].pk not in [row.opportunity for row in first_week.rows]
    w2 = march.rows[0]
    assert (w2.opportunity, w2.won_at, w2.ae.name, w2.sdr) == (wins["W2"].pk, utc(3, 11, 10), "Rita Rep", None)
    assert [(c.code, c.owner.name) for c in w2.campaigns] == [("webinar-1", "Mia Marketer")]
    assert w2.touch_counts == {"content_download": 1, "webinar": 1}
    assert (w2.first_touch.at, w2.last_touch.type, w2.last_touch.at) == (utc(3, 3, 9), "webinar", utc(3, 5, 9))


def test_a_deal_imported_without_a_lead_shows_its_ae_alone(wins, world):
    w3 = wins_feed(**MARCH).as_dict()["rows"][1]

    assert (w3["name"], w3["amount"], w3["won_at"], w3["account"], w3["lead"]) == (
        "Imported deal",
        8_000.0,
        "2026-03-06T12:00:00+00:00",
        None,
        None,
    )
    assert (w3["ae"], w3["sdr"], w3["campaigns"], w3["marketing_credit"]) == (
        {"id": world.rep.pk, "name": "Rita Rep"},
        None,
        [],
        False,
    )
    assert w3["touchpoints"] == {"count": 0, "by_type": {}, "first": None, "last": None}


def test_the_wins_per_week(wins):
    weeks = wins_feed(**MARCH).as_dict()["weeks"]

    assert weeks == [
        {"week": "2026-02-23", "wins": 0, "marketing_credited": 0},
        {"week": "2026-03-02", "wins": 2, "marketing_credited": 1},
        {"week": "2026-03-09", "wins": 1, "marketing_credited": 1},
        {"week": "2026-03-16", "wins": 0, "marketing_credited": 0},
        {"week": "2026-03-23", "wins": 0, "marketing_credited": 0},
        {"week": "2026-03-30", "wins": 0, "marketing_credited": 0},
    ]


def test_the_flat_rows(wins):
    assert report_rows(wins_feed(**MARCH)) == [
        (utc(3, 11, 10), wins["W2"].pk, 6_000.0, "Rita Rep", None, "webinar-1", "Mia Marketer", 2),
        (utc(3, 6, 12), wins["W3"].pk, 8_000.0, "Rita Rep", None, "", "", 0),
        (
            utc(3, 5, 10),
            wins["W1"].pk,
            10_000.0,
            "Alex Ae",
            "Rita Rep",
            "webinar-1; ads-1",
            "Mia Marketer; Lena Lead",
            2,
        ),
    ]


def test_a_past_period_does_not_change(wins, world):
    before = wins_feed(**MARCH).as_dict()
    services.opportunity_reopen(opportunity_id=wins["W1"].pk, acting_user=world.other_rep, at=utc(4, 2, 10))
    services.touchpoint_record(lead_id=wins["vera"].pk, type="page_view", acting_user=world.marketer, at=utc(4, 3, 9))

    assert wins_feed(**MARCH).as_dict() == before


def test_the_lead_link_only_for_those_who_may_see_the_lead(wins, world):
    """Both leads belong to EMEA: the Americas rep reads the names, not the ids."""
    theirs = wins_feed_for(acting_user=world.americas_rep, **MARCH).as_dict()["rows"]
    ours = wins_feed_for(acting_user=world.rep, **MARCH).as_dict()["rows"]

    assert [row["lead"] for row in theirs] == [
        {"id": None, "name": "Carl Cole"},
        None,
        {"id": None, "name": "Vera Penn"},
    ]
    assert [row["lead"] for row in ours] == [
        {"id": wins["carl"].pk, "name": "Carl Cole"},
        None,
        {"id": wins["vera"].pk, "name": "Vera Penn"},
    ]


def test_a_constant_number_of_queries(wins, django_assert_num_queries):
    """Not one per deal: the deals' history, the deals, their owners and the teams (as
    `won_deals` reads them), then the deals' names and leads, the touchpoints, the
    campaigns, the acceptances and the people's names — 9, however many wins."""
    with django_assert_num_queries(9):
        wins_feed(**MARCH)


def test_a_backwards_period_names_the_field(world):
    with pytest.raises(InvalidInput) as error:
        wins_feed(date_from=date(2026, 3, 31), date_to=date(2026, 3, 1))
    assert error.value.field == "to"


# --- the digest --------------------------------------------------------------------------

FIRST_WEEK_TEXT = """Wins of the week 2026-03-02 – 2026-03-08 (UTC)

2 deals won, 18,000.00 in revenue; 1 with marketing credit (50.0%).

Imported deal: 8,000.00, won Fri 6 Mar
  AE Rita Rep

Bigco platform: 10,000.00, won Thu 5 Mar — Bigco
  AE Alex Ae, SDR Rita Rep
  Campaigns: Webinar 1 (Mia Marketer), Spring ads (Lena Lead)
  Touchpoints before the win: 2 (1 content download, 1 page view)

The feed, with every touchpoint: /reports/wins/?date_from=2026-03-02&date_to=2026-03-08
"""


def test_the_digest_of_a_week(wins):
    digest = wins_digest(date(2026, 3, 8))

    assert digest.subject == "[Accord] Wins of the week 2026-03-02 – 2026-03-08: 2 deals, 18,000.00"
    assert digest.text == FIRST_WEEK_TEXT
    assert (
        "<li><strong>Bigco platform: 10,000.00, won Thu 5 Mar — Bigco</strong><br>AE Alex Ae, SDR Rita Rep"
        in digest.html
    )
    assert '<a href="/reports/wins/?date_from=2026-03-02&amp;date_to=2026-03-08">' in digest.html


def test_the_digest_is_sent_to_each_active_user_once(wins, world):
    """The nine users of `world` and a former colleague, no longer active: nine messages,
    one per address."""
    User.objects.create(email="former@accord.test", role=Role.SALES_REP, is_active=False)

    sent = wins_digest_send(week_ending=date(2026, 3, 8))

    expected = sorted(
        user.email
        for user in (
            world.admin, world.marketer, world.marketing_lead, world.executive, world.manager, world.rep,
            world.other_rep, world.americas_manager, world.americas_rep,
        )
    )  # fmt: skip
    assert sent == 9
    assert digest_recipients() == expected
    assert [message.to for message in mail.outbox] == [[email] for email in expected]
    assert {message.subject for message in mail.outbox} == {
        "[Accord] Wins of the week 2026-03-02 – 2026-03-08: 2 deals, 18,000.00"
    }
    assert mail.outbox[0].body == FIRST_WEEK_TEXT
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_an_empty_week_sends_nothing(wins):
    """16–22 March: no deal was won."""
    digest = wins_digest(date(2026, 3, 22))

    assert digest.empty
    assert digest.subject == "[Accord] Wins of the week 2026-03-16 – 2026-03-22: none"
    assert wins_digest_send(week_ending=date(2026, 3, 22)) == 0
    assert mail.outbox == []


def test_a_week_ends_on_a_sunday(world):
    with pytest.raises(InvalidInput) as error:
        wins_digest(date(2026, 3, 9))
    assert (error.value.field, error.value.message) == (
        "week_ending",
        "A week ends on a Sunday; Monday 2026-03-09 is not one.",
    )


@pytest.mark.parametrize(
    ("today", "sunday"),
    [
        (date(2026, 3, 9), date(2026, 3, 8)),  # Monday: the week that just ended
        (date(2026, 3, 14), date(2026, 3, 8)),  # Saturday
        (date(2026, 3, 15), date(2026, 3, 8)),  # Sunday: this week is not over yet
    ],
)
def test_last_week_ending(today, sunday):
    assert last_week_ending(today) == sunday
