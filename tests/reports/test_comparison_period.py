"""The period a report sets beside the one asked for (`selectors.comparison_period`)."""

from datetime import date

import pytest

from accord.core.errors import InvalidInput
from accord.reports.selectors import comparison_period


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        pytest.param(("2026-03-01", "2026-03-31"), ("2026-02-01", "2026-02-28"), id="month"),
        pytest.param(("2026-01-01", "2026-01-31"), ("2025-12-01", "2025-12-31"), id="january-to-december"),
        pytest.param(("2024-03-01", "2024-03-31"), ("2024-02-01", "2024-02-29"), id="month-after-a-leap-february"),
        pytest.param(("2026-04-01", "2026-06-30"), ("2026-01-01", "2026-03-31"), id="quarter"),
        pytest.param(("2026-01-01", "2026-03-31"), ("2025-10-01", "2025-12-31"), id="first-quarter"),
        pytest.param(("2026-01-01", "2026-12-31"), ("2025-01-01", "2025-12-31"), id="year"),
        # 7 days, 10–16 March: the 7 days before, 3–9 March.
        pytest.param(("2026-03-10", "2026-03-16"), ("2026-03-03", "2026-03-09"), id="week"),
        # 31 days from 15 March: 14 days of March and 17 of February before it (12–28 Feb).
        pytest.param(("2026-03-15", "2026-04-14"), ("2026-02-12", "2026-03-14"), id="month-long-span"),
        # Three whole months that are not a quarter, Feb–Apr: 28 + 31 + 30 = 89 days before
        # 1 February — January 31, December 31 and 27 of November (4–30 Nov).
        pytest.param(("2026-02-01", "2026-04-30"), ("2025-11-04", "2026-01-31"), id="three-months-not-a-quarter"),
        # Two whole months, Jan–Feb: 31 + 28 = 59 days — December 31 and 28 of November.
        pytest.param(("2026-01-01", "2026-02-28"), ("2025-11-03", "2025-12-31"), id="two-months"),
        pytest.param(("2026-03-01", "2026-03-01"), ("2026-02-28", "2026-02-28"), id="one-day"),
    ],
)
def test_previous(period, expected):
    assert comparison_period(d(period[0]), d(period[1]), "previous") == (d(expected[0]), d(expected[1]))


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        pytest.param(("2026-03-01", "2026-03-31"), ("2025-03-01", "2025-03-31"), id="month"),
        pytest.param(("2024-02-01", "2024-02-29"), ("2023-02-01", "2023-02-28"), id="leap-february"),
        pytest.param(("2024-02-29", "2024-03-31"), ("2023-02-28", "2023-03-31"), id="from-a-leap-day"),
        pytest.param(("2025-12-15", "2026-01-14"), ("2024-12-15", "2025-01-14"), id="across-new-year"),
    ],
)
def test_a_year_earlier(period, expected):
    assert comparison_period(d(period[0]), d(period[1]), "year") == (d(expected[0]), d(expected[1]))


def test_none_sets_nothing_beside_it():
    assert comparison_period(d("2026-03-01"), d("2026-03-31"), "none") is None


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2026-03-01", "2026-03-31", "week"), "compare"),
        (("2026-03-31", "2026-03-01", "previous"), "to"),
    ],
)
def test_bad_input_names_the_field(args, field):
    with pytest.raises(InvalidInput) as error:
        comparison_period(d(args[0]), d(args[1]), args[2])

    assert error.value.field == field
