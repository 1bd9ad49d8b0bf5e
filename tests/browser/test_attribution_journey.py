"""A marketer reads March's attribution from the reports hub: the leads by campaign under
every model (linear chosen), then the pipeline under the Markov chain with a time-decay
half-life of 3 days — table, chart, removal effects, transitions — and downloads both
CSVs; over the history of tests/web/test_attribution_page.py, whose numbers are worked
out there:

Leads       webinar-1  first 2, last 1, linear 1.5, U 1.5, W 1.5, full 1.5, decay 4/3, Markov 4/3
            ads-1      first 0, last 1, linear 0.5, U 0.5, W 0.5, full 0.5, decay 2/3, Markov 2/3
            (no touch) 1 each; All 3
Pipeline    ads-1      first 0, last 1,000, linear 500, U 200, W 333.33, full 333.33,
                       decay (half-life 3) 666.67, Markov 666.67
            webinar-1  1,000, 0, 500, 800, 666.67, 666.67, 333.33, 333.33
            (no touch) 3,000 each; All 4,000
Removal effects (pipeline): ads-1 100.0%, webinar-1 50.0%.
Influence: each campaign 1 opportunity, 1,000, won 1 (1,000), 50.0% and 25.0%; under the
Markov chain ads-1 666.67, webinar-1 333.33 of pipeline.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.downloads import downloaded
from tests.browser.test_accessibility import DUPLICATE_IDS, UNLABELLED_CONTROLS
from tests.web.test_attribution_page import history  # noqa: F401 — the hand-built history

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MODEL_TITLES = [
    "First touch",
    "Last touch",
    "Linear",
    "U-shaped",
    "W-shaped",
    "Full path",
    "Time decay",
    "Markov chain",
]
LEADS = [
    ["webinar-1 Webinar 1 · webinar", "2.0", "1.0", "1.5", "1.5", "1.5", "1.5", "1.3", "1.3"],
    ["ads-1 Spring ads · paid_search", "0.0", "1.0", "0.5", "0.5", "0.5", "0.5", "0.7", "0.7"],
    ["(no touch)", *["1.0"] * 8],
    ["All", *["3.0"] * 8],
]
PIPELINE = [
    ["ads-1 Spring ads · paid_search", "0.00", "1,000.00", "500.00", "200.00", "333.33", "333.33", "666.67", "666.67"],
    ["webinar-1 Webinar 1 · webinar", "1,000.00", "0.00", "500.00", "800.00", "666.67", "666.67", "333.33", "333.33"],
    ["(no touch)", *["3,000.00"] * 8],
    ["All", *["4,000.00"] * 8],
]
MODEL_COLUMNS = ["first", "last", "linear", "u_shaped", "w_shaped", "full_path", "time_decay", "markov"]


def choose_period(page, form, date_from: str, date_to: str) -> None:
    """Type the dates as a keyboard user does (Chromium's date field, en-US: mm dd yyyy)."""
    for name, typed in (("From", date_from), ("To", date_to)):
        form.get_by_role("textbox", name=name, exact=True).focus()
        page.keyboard.type(typed)


def expect_table(table, selected: str, expected: list[list[str]]) -> None:
    headers = [
        "Campaign",
        *(f"{title} (selected)" if title == selected else title for title in MODEL_TITLES),
    ]
    expect(table.locator("thead th")).to_have_text(headers)
    expect(table.locator("thead th.selected")).to_have_count(1)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(expected))
    for i, cells in enumerate(expected):
        expect(rows.nth(i).locator("th, td")).to_have_text(cells)
    expect(rows.last).to_have_class("total")


@pytest.mark.browser
def test_a_marketer_compares_the_models_then_reads_the_pipeline_under_markov(
    page,
    world,
    history,  # noqa: F811
    sign_in,
    browser_log,
    tmp_path,
):
    # Given: a marketer opens attribution from the reports hub.
    sign_in(world.marketer)
    page.goto("/reports/")
    page.get_by_role("main").get_by_role("link", name="Attribution", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attribution")
    form = page.get_by_role("form", name="Attribution options")
    expect(form.get_by_label("Model")).to_have_value("linear")
    expect(form.get_by_label("Conversion")).to_have_value("lead")

    # When: they type March and submit with Enter.
    choose_period(page, form, "03012026", "03312026")
    form.get_by_role("button", name="Show").press("Enter")

    # Then: every model side by side, linear marked, and linear's chart.
    expect(page).to_have_url(
        "/reports/attribution/?date_from=2026-03-01&date_to=2026-03-31&conversion=lead&by=campaign&model=linear"
        "&order=1&half_life_days=7&lookback_days=90"
    )
    expect(page.locator("#attribution-totals")).to_contain_text("3 leads; 1 had no touch")
    expect_table(page.get_by_role("table", name="Leads credited by campaign under each model"), "Linear", LEADS)
    expect(
        page.get_by_role("img", name="Linear credit per campaign — webinar-1: Linear 1.5; ads-1: Linear 0.5")
    ).to_be_visible()

    # When: they choose pipeline, the Markov chain and a 3-day half-life, with the keyboard.
    form.get_by_label("Conversion").focus()
    form.get_by_label("Conversion").select_option(label="Pipeline (deal amounts)")
    form.get_by_label("Model").select_option(label="Markov chain")
    half_life = form.get_by_label("Time-decay half-life (days)")
    half_life.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")

    # Then: the table, the chart and the removal effects follow.
    expect(page).to_have_url(
        "/reports/attribution/?date_from=2026-03-01&date_to=2026-03-31&conversion=pipeline&by=campaign&model=markov"
        "&order=1&half_life_days=3&lookback_days=90"
    )
    expect(page.locator("#attribution-totals")).to_contain_text("2 opportunities, worth 4,000.00; 1 had no touch")
    table = page.get_by_role("table", name="Pipeline (deal amounts) credited by campaign under each model")
    expect_table(table, "Markov chain", PIPELINE)
    chart = page.get_by_role(
        "img", name="Markov chain credit per campaign — ads-1: Markov chain 667; webinar-1: Markov chain 333"
    )
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(2)
    removal = page.get_by_role("table", name="Removal effects, order 1")
    expect(removal.locator("tbody tr")).to_have_count(2)
    expect(removal.locator("tbody tr").first.locator("th, td")).to_have_text(["ads-1", "100.0%", "100.0%"])
    expect(removal.locator("tbody tr").last.locator("th, td")).to_have_text(["webinar-1", "50.0%", "50.0%"])

    # When: they open the transition matrix with the keyboard.
    transitions = page.get_by_role("table", name="Transitions of the chain, most probable first")
    expect(transitions).to_be_hidden()
    page.locator("#transitions summary").focus()
    page.keyboard.press("Enter")

    # Then: the chain's first step: from the start to either campaign, ½ each.
    expect(transitions).to_be_visible()
    expect(transitions.get_by_role("row").filter(has_text="(start)")).to_have_count(2)

    # And: the influence table sets the Markov pipeline beside the influenced deals.
    influence = page.get_by_role("table", name="Opportunities of 2026-03-01 – 2026-03-31 each campaign influenced")
    expect(influence.locator("tbody tr").first.locator("th, td")).to_have_text(
        ["ads-1 Spring ads", "paid_search", "1", "1,000.00", "1", "1,000.00", "50.0%", "25.0%", "666.67"]
    )
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(DUPLICATE_IDS) == []

    # When: they export the table and the influence.
    filename, rows = downloaded(page, "Export CSV", tmp_path / "attribution.csv")
    influence_name, influence_rows = downloaded(page, "Export influence CSV", tmp_path / "influence.csv")

    # Then: the same rows, in the same order, to the cent.
    assert filename == "attribution.csv"
    assert rows == [
        ["group", "name", "channel", *MODEL_COLUMNS],
        [
            "ads-1",
            "Spring ads",
            "paid_search",
            "0.0",
            "1000.0",
            "500.0",
            "200.0",
            "333.33",
            "333.33",
            "666.67",
            "666.67",
        ],
        [
            "webinar-1",
            "Webinar 1",
            "webinar",
            "1000.0",
            "0.0",
            "500.0",
            "800.0",
            "666.67",
            "666.67",
            "333.33",
            "333.33",
        ],
        ["(no touch)", "(no touch)", "", *["3000.0"] * 8],
        ["All", "", "", *["4000.0"] * 8],
    ]
    assert influence_name == "attribution-influence.csv"
    assert [row[0] for row in influence_rows[1:]] == ["ads-1", "webinar-1"]
    assert [row[-2:] for row in influence_rows[1:]] == [["markov", "666.67"], ["markov", "333.33"]]
    browser_log.assert_clean()
