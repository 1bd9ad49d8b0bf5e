"""Grouped bar charts drawn as SVG by the templates: the geometry is worked out here, so
a template only places what it is given (and reads no data)."""

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 40, 30, 10


def grouped_bars(labels: list[str], series: list[tuple[str, list[int]]], *, marker: int | None = None) -> dict:
    """Per label (a month), one bar of each series side by side; `marker` draws a level
    line (a commitment) on the same scale. `summary` says the numbers in words, for the
    chart's title (what a screen reader reads)."""
    top = max([1, marker or 0, *(count for _, counts in series for count in counts)])
    plot_width = WIDTH - LEFT - 10
    plot_height = HEIGHT - BOTTOM - TOP
    slot = plot_width / max(len(labels), 1)
    bar = max(2.0, (slot - 8) / max(len(series), 1))
    groups = []
    for index, label in enumerate(labels):
        x0 = LEFT + index * slot + 4
        bars = []
        for series_index, (title, counts) in enumerate(series):
            height = plot_height * counts[index] / top
            bars.append(
                {
                    "x": round(x0 + series_index * bar, 1),
                    "y": round(TOP + plot_height - height, 1),
                    "width": round(bar - 1, 1),
                    "height": round(height, 1),
                    "count": counts[index],
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
        "marker_y": round(TOP + plot_height - plot_height * marker / top, 1) if marker else None,
        "left": LEFT,
        "right": WIDTH - 10,
        "axis_y": HEIGHT - BOTTOM,
        "label_y": HEIGHT - 10,
        "series": [title for title, _ in series],
        "summary": "; ".join(
            f"{label}: " + ", ".join(f"{title} {counts[index]}" for title, counts in series)
            for index, label in enumerate(labels)
        ),
    }
