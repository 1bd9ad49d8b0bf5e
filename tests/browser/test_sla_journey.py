"""A sales manager reads March's SLA scorecard with the keyboard, opens the leads behind two
of its numbers and downloads them — over tests/reports/test_sla_scorecard.py's March, whose
hand-offs are worked out there (every EMEA lead goes to Rita Rep; Other Rep is on leave):

A   2 Mar 10:00, due 14:00, accepted 13:59                         on time, 3 59/60 = 3.98 h
B   6 Mar 15:00, due Mon 9 Mar 11:00, a call 9 Mar 10:00            on time, 3.00 h
C1  3 Mar 10:00, due 14:00, recycled 16:00                          late, 6.00 h
D   4 Mar 10:00, due 14:00, accepted only on 2 Apr 10:00            ignored in March
C2 12 Mar 10:00, due 14:00, accepted 11:00                          on time, 1.00 h
F  27 Mar 14:00, due Mon 30 Mar 09:00 UTC, accepted 08:30           on time, 3.50 h
E  31 Mar 15:00, due 1 Apr 11:00                                    waiting at March's end

Rita: 7 handed over = 4 on time + 1 late + 1 ignored + 0 reassigned + 1 waiting; accepted
A, C2, F = 3; rejected and recycled C1 = 1. On time 4 / (4 + 1 + 1) = 66.7%. Hours 1.0, 3.0,
3.5, 3.9833, 6.0: median 3.50; p90 at rank 0.9 × 4 = 3.6, 3.9833 + 0.6 × 2.0167 = 5.19.
Marketing: 7 MQLs (C twice) against 10 a month for all of March, 70.0%; 3 of 7 accepted, 42.9%.
"""

import csv
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import DUPLICATE_IDS, UNLABELLED_CONTROLS
from tests.reports.test_sla_scorecard import march  # noqa: F401 — the hand-built history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PERIOD = "date_from=2026-03-01&date_to=2026-03-31&by=rep"
HEADER = [
    "Rep", "Handed over", "On time", "Late", "Ignored", "Reassigned", "Waiting", "Accepted", "Rejected",
    "Recycled", "On time %", "Median hours", "90th pct. hours",
]  # fmt: skip
NOBODY = ["0"] * 9 + ["—", "—", "—"]  # on leave, or in another team: a row of zeros all the same
TABLE = [
    ["Rita Rep", "7", "4", "1", "1", "0", "1", "3", "1", "1", "66.7%", "3.50", "5.19"],
    ["am-rep@accord.test", *NOBODY],
    ["other@accord.test", *NOBODY],
    ["All", "7", "4", "1", "1", "0", "1", "3", "1", "1", "66.7%", "3.50", "5.19"],
]
CHART_TITLE = (
    "Follow-ups per rep — Rita Rep: On time 4, Late 1, Ignored 1; "
    "am-rep@accord.test: On time 0, Late 0, Ignored 0; other@accord.test: On time 0, Late 0, Ignored 0"
)


def tab_to(page, target, *, presses: int = 4) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would. Chromium's date field
    takes several presses: its month, day and year, then its calendar button."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("(element) => element === document.activeElement"):
            return
    pytest.fail(f"{target} is not reached with {presses} presses of Tab")


def read_csv(download, path) -> list[list[str]]:
    download.save_as(path)
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.browser
def test_a_manager_reads_march_and_opens_the_leads_behind_the_numbers(
    page,
    world,
    march,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: the EMEA manager on the scorecard, which opens on the months up to today.
    sign_in(world.manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SLA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SLA scorecard")

    # When: with the keyboard alone they skip to the content, Tab past the export link into
    # From, type 1 March, Tab on to To, type 31 March, Tab past Group by (Rep) and press
    # Enter on Show.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Export CSV")).to_be_focused()
    form = page.get_by_role("form", name="Scorecard period")
    for field, typed in (("From", "03012026"), ("To", "03312026")):
        tab_to(page, form.get_by_role("textbox", name=field, exact=True))
        page.keyboard.type(typed)  # Chromium's date field, en-US: mm dd yyyy
    tab_to(page, form.get_by_label("Group by"))
    expect(form.get_by_label("Group by")).to_have_value("rep")
    tab_to(page, form.get_by_role("button", name="Show"))
    page.keyboard.press("Enter")

    # Then: March by rep — Rita's numbers, a row of zeros for each rep no lead reached, the total.
    expect(page).to_have_url(f"/reports/sla/?{PERIOD}#main")  # a GET form keeps the page's #main
    expect(page.locator("#marketing-summary")).to_have_text(
        "7 qualified leads delivered against a commitment of 10 (70.0%); "
        "sales accepted 3 of them by the end of the period (42.9%)."
    )
    table = page.get_by_role("table", name="Hand-offs of 2026-03-01 – 2026-03-31 by rep")
    expect(table.locator("thead th")).to_have_text(HEADER)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(TABLE))
    for i, expected in enumerate(TABLE):
        expect(rows.nth(i).locator("th, td")).to_have_text(expected)
    expect(page.get_by_role("img", name=CHART_TITLE)).to_be_visible()
    # Zeros open nothing; each of Rita's 8 other counts (all 9 but reassigned) opens its leads.
    expect(rows.nth(1).get_by_role("link")).to_have_count(0)
    expect(rows.nth(0).get_by_role("link")).to_have_count(8)
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they download the scorecard.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()

    # Then: the file holds the same rows, with the exact on-time rate (4/6 to four places).
    assert download_info.value.suggested_filename == "sla-scorecard.csv"
    scorecard = read_csv(download_info.value, tmp_path / "sla-scorecard.csv")
    assert scorecard[0][:3] == ["group", "group_id", "handed_over"]
    assert scorecard[1] == [
        "Rita Rep", str(world.rep.pk), "7", "4", "1", "1", "0", "1", "3", "1", "1", "0.6667", "3.5", "5.19",
    ]  # fmt: skip
    assert [row[:3] for row in scorecard[2:]] == [
        ["am-rep@accord.test", str(world.americas_rep.pk), "0"],
        ["other@accord.test", str(world.other_rep.pk), "0"],
        ["All", "", "7"],
    ]

    # When: they click Rita's 1 ignored.
    page.get_by_role("link", name="1 ignored, Rita Rep").click()

    # Then: the drill-down lists D alone: handed over and due on 4 March, first followed up
    # only on 2 April — after March, so ignored in March, with no hours counted.
    expect(page).to_have_url(f"/reports/sla/leads/?{PERIOD}&measure=ignored&group_id={world.rep.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ignored")
    ignored = page.get_by_role("table", name="1 hand-off of 2026-03-01 – 2026-03-31")
    expect(ignored.locator("tbody tr")).to_have_count(1)
    expect(ignored.locator("tbody tr th, tbody tr td")).to_have_text(
        ["Vera Penn", "Rita Rep", "2026-03-04 10:00", "2026-03-04 14:00", "2026-04-02 10:00", "Ignored", "—"]
    )
    expect(ignored.get_by_role("link", name="Vera Penn")).to_have_attribute("href", f"/leads/{march['D'].pk}/")

    # When: they go back and open Rita's 4 on time.
    page.get_by_role("link", name="Back to the scorecard").click()
    expect(page).to_have_url(f"/reports/sla/?{PERIOD}")
    page.get_by_role("link", name="4 on time, Rita Rep").click()

    # Then: A, B, C (its second hand-off) and F, in the order they were handed over.
    on_time = page.get_by_role("table", name="4 hand-offs of 2026-03-01 – 2026-03-31")
    expect(page.get_by_role("heading", level=1)).to_have_text("On time")
    expect(on_time.locator("tbody tr")).to_have_count(4)
    links = on_time.locator("tbody th a")
    expected_leads = [march[name].pk for name in ("A", "B", "C", "F")]
    assert links.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        f"/leads/{pk}/" for pk in expected_leads
    ]
    expect(on_time.locator("tbody td:nth-of-type(2)")).to_have_text(  # handed over
        ["2026-03-02 10:00", "2026-03-06 15:00", "2026-03-12 10:00", "2026-03-27 14:00"]
    )
    expect(on_time.locator("tbody td:nth-of-type(3)")).to_have_text(  # due
        ["2026-03-02 14:00", "2026-03-09 11:00", "2026-03-12 14:00", "2026-03-30 09:00"]
    )
    expect(on_time.locator("tbody td:nth-of-type(6)")).to_have_text(["3.98", "3.00", "1.00", "3.50"])

    # When: they download these four.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()

    # Then: one row per hand-off, the same leads, times in UTC and the hours as numbers.
    assert download_info.value.suggested_filename == "sla-leads.csv"
    drilled = read_csv(download_info.value, tmp_path / "sla-leads.csv")
    assert drilled == [
        ["lead_id", "lead", "rep", "started_at", "due_at", "stopped_at", "result", "follow_up_hours"],
        [str(expected_leads[0]), "Vera Penn", "rep@accord.test", "2026-03-02T10:00:00+00:00",
         "2026-03-02T14:00:00+00:00", "2026-03-02T13:59:00+00:00", "On time", "3.98"],
        [str(expected_leads[1]), "Vera Penn", "rep@accord.test", "2026-03-06T15:00:00+00:00",
         "2026-03-09T11:00:00+00:00", "2026-03-09T10:00:00+00:00", "On time", "3.0"],
        [str(expected_leads[2]), "Vera Penn", "rep@accord.test", "2026-03-12T10:00:00+00:00",
         "2026-03-12T14:00:00+00:00", "2026-03-12T11:00:00+00:00", "On time", "1.0"],
        [str(expected_leads[3]), "Vera Penn", "rep@accord.test", "2026-03-27T14:00:00+00:00",
         "2026-03-30T09:00:00+00:00", "2026-03-30T08:30:00+00:00", "On time", "3.5"],
    ]  # fmt: skip
    browser_log.assert_clean()


@pytest.mark.browser
def test_a_rep_reads_their_own_row_and_opens_only_their_own_leads(
    page,
    world,
    march,  # noqa: F811
    sign_in,
    browser_log,
):
    # Given: Rita herself on March's scorecard.
    sign_in(world.rep)
    page.goto(f"/reports/sla/?{PERIOD}")

    # Then: her row and the total, nobody else's; the total opens nothing for her.
    table = page.get_by_role("table", name="Hand-offs of 2026-03-01 – 2026-03-31 by rep")
    expect(table.locator("tbody th")).to_have_text(["Rita Rep", "All"])
    expect(table.locator("tbody tr.total").get_by_role("link")).to_have_count(0)

    # When: she opens her 1 late.
    table.get_by_role("link", name="1 late, Rita Rep").click()

    # Then: C's first hand-off: due 14:00 on 3 March, recycled 16:00, 6.00 business hours.
    late = page.get_by_role("table", name="1 hand-off of 2026-03-01 – 2026-03-31")
    expect(late.locator("tbody tr th, tbody tr td")).to_have_text(
        ["Vera Penn", "Rita Rep", "2026-03-03 10:00", "2026-03-03 14:00", "2026-03-03 16:00", "Late", "6.00"]
    )
    expect(page).to_have_url(re.compile(r"measure=late&group_id=\d+$"))
    browser_log.assert_clean()
