"""The notifications page: the rep's hand-off notification, and marking all read."""

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
