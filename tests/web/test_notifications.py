"""The notifications page: the rep's hand-off notification, marking all read, and the CSV."""

import re
from datetime import timedelta

from accord.notifications.models import Notification
from tests.conftest import MONDAY_10
from tests.web.conftest import client_for, qualified_lead


def _items(html: str) -> list[tuple[str, str, str, str]]:
    """(css class, time, kind, message) per notification, in page order."""
    return re.findall(
        r'<li class="([^"]*)"><time datetime="[^"]+">([^<]+)</time>\s*<span class="kind">([^<]+)</span> ([^<]+?)\s*<',
        html,
    )


def test_the_rep_sees_their_hand_off_notification(world, accounts):
    # given: two leads for the rep, one for the teammate
    first = qualified_lead(world, "vp@bigco.example", at=MONDAY_10)
    qualified_lead(world, "cfo@bigco.example", at=MONDAY_10 + timedelta(hours=1), first_name="Carl", last_name="Fox")
    qualified_lead(world, "mate@teamco.example", at=MONDAY_10)

    # when
    html = client_for(world, "owner").get("/notifications/").content.decode()

    # then: newest first, only the rep's own
    assert _items(html) == [
        (
            "unread",
            "2026-03-02 11:00",
            "New lead assigned",
            "New qualified lead: Carl Fox — follow up by Mon 2026-03-02 15:00 GMT",
        ),
        (
            "unread",
            "2026-03-02 10:00",
            "New lead assigned",
            "New qualified lead: Vera Penn — follow up by Mon 2026-03-02 14:00 GMT",
        ),
    ]
    assert f'<a href="/leads/{first.pk}/">Open lead</a>' in html
    assert '<span class="badge" aria-label="2 unread">2</span>' in html


def test_mark_all_read(world, accounts):
    # given
    qualified_lead(world, "vp@bigco.example")
    qualified_lead(world, "mate@teamco.example")
    client = client_for(world, "owner")

    # when
    response = client.post("/notifications/")

    # then
    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    assert Notification.objects.filter(recipient=world.rep, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=world.other_rep, read_at__isnull=True).count() == 1
    html = client.get("/notifications/").content.decode()
    assert [item[0] for item in _items(html)] == [""]
    assert 'class="badge"' not in html


def test_no_notifications(world):
    html = client_for(world, "executive").get("/notifications/").content.decode()

    assert '<li class="empty">No notifications.</li>' in html
    assert "Mark all read" not in html


def test_csv_export_holds_all_of_the_users_own_notifications(world, accounts):
    # given: two for the rep, one of them read; one for the teammate
    first = qualified_lead(world, "vp@bigco.example", at=MONDAY_10)
    second = qualified_lead(
        world, "cfo@bigco.example", at=MONDAY_10 + timedelta(hours=1), first_name="Carl", last_name="Fox"
    )
    qualified_lead(world, "mate@teamco.example", at=MONDAY_10)
    read = Notification.objects.get(lead=first)
    read.read_at = MONDAY_10 + timedelta(hours=2)
    read.save()
    unread = Notification.objects.get(lead=second)

    # when
    response = client_for(world, "owner").get("/notifications/?format=csv")

    # then: newest first, as on the page
    assert response["Content-Disposition"] == 'attachment; filename="notifications.csv"'
    assert b"".join(response.streaming_content).decode().split("\r\n") == [
        "id,kind,message,lead_id,email,created_at,read_at",
        f"{unread.pk},handoff,New qualified lead: Carl Fox — follow up by Mon 2026-03-02 15:00 GMT,{second.pk},"
        "cfo@bigco.example,2026-03-02T11:00:00+00:00,",
        f"{read.pk},handoff,New qualified lead: Vera Penn — follow up by Mon 2026-03-02 14:00 GMT,{first.pk},"
        "vp@bigco.example,2026-03-02T10:00:00+00:00,2026-03-02T12:00:00+00:00",
        "",
    ]


def test_the_csv_link_shows_with_notifications_only(world, accounts):
    link = '<a class="button secondary" href="?format=csv">Download CSV</a>'
    assert link not in client_for(world, "owner").get("/notifications/").content.decode()

    qualified_lead(world, "vp@bigco.example")

    assert link in client_for(world, "owner").get("/notifications/").content.decode()
