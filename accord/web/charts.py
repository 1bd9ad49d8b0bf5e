"""Grouped bar charts drawn as SVG by the templates: the geometry is worked out here, so
a template only places what it is given (and reads no data)."""

from decimal import Decimal

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 40, 30, 10


def _shown(value):
    return "—" if value is None else value


def grouped_bars(
    labels: list[str], series: list[tuple[str, list[int | float | Decimal]]], *, marker: int | None = None
) -> dict:
    """Per label (a month), one bar of each series side by side; `marker` draws a level
    line (a commitment) on the same scale. `summary` says the numbers in words, for the
    chart's title (what a screen reader reads). Values may be decimals, and below zero (an
    amount owed): the axis then rises and those bars hang from it; None (nothing to show,
    a median of no values) draws no bar and reads "—"."""
    values = [float(value) for _, counts in series for value in counts if value is not None]
    top = max([1, marker or 0, *values])
    bottom = min([0, *values])
    plot_width = WIDTH - LEFT - 10
    plot_height = HEIGHT - BOTTOM - TOP
    zero_y = TOP + plot_height - plot_height * -bottom / (top - bottom)
    slot = plot_width / max(len(labels), 1)
    bar = max(2.0, (slot - 8) / max(len(series), 1))
    groups = []
    for index, label in enumerate(labels):
        x0 = LEFT + index * slot + 4
        bars = []
        for series_index, (title, counts) in enumerate(series):
            value = float(counts[index] or 0)
            height = plot_height * abs(value) / (top - bottom)
            bars.append(
                {
                    "x": round(x0 + series_index * bar, 1),
                    "y": round(zero_y - height if value >= 0 else zero_y, 1),
                    "width": round(bar - 1, 1),
                    "height": round(height, 1),
                    "count": _shown(counts[index]),
                    "series": series_index + 1,
                    "title": title,
                }
            )
        groups.append({"label": label, "label_x": round(x0 + (slot - 8) / 2, 1), "bars": bars})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "groups": groups,
        "marker": marker,
        "marker_y": round(zero_y - plot_height * marker / (top - bottom), 1) if marker else None,
        "left": LEFT,
        "right": WIDTH - 10,
        "axis_y": round(zero_y, 1),
        "label_y": HEIGHT - 10,
        "series": [title for title, _ in series],
        "summary": "; ".join(
            f"{label}: " + ", ".join(f"{title} {_shown(counts[index])}" for title, counts in series)
            for index, label in enumerate(labels)
        ),
    }
