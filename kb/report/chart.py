"""The health chart's geometry: open flags by name, stacked per run (``templates/chart.html`` draws it).

A hand-laid SVG instead of a chart library: the report must work offline and run no script. Here are
only numbers and colours; the template writes the SVG, escaping every label.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.report.model import Health

COLORS = {
    "needs_verification": "#d97706",
    "stale": "#6b7280",
    "past_policy_year": "#7c3aed",
    "changed_since_verified": "#dc2626",
    "gone": "#1f2937",
}
FALLBACK = ("#0891b2", "#65a30d", "#db2777", "#4f46e5")
BAR, GAP, LEFT, TOP, BOTTOM = 40, 18, 36, 22, 28


def color(name: str, index: int = 0) -> str:
    return COLORS.get(name) or FALLBACK[index % len(FALLBACK)]


@dataclass
class Segment:
    """One flag name's share of a bar."""

    y: float
    height: float
    color: str
    tip: str  # "run 3: 2 stale"


@dataclass
class Bar:
    run: int
    x: int
    total: int  # open flags after the run
    top: float  # where the stack ends (the total's label sits above)
    segments: list[Segment]

    @property
    def center(self) -> float:
        return self.x + BAR / 2


@dataclass
class Chart:
    width: int
    height: int
    baseline: int  # y of the x axis
    peak: int  # the tallest stack: the y axis' top label
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (flag name, colour)
    left: int = LEFT
    top: int = TOP
    bar_width: int = BAR


def layout(health: Health, height: int = 200) -> Chart | None:
    """Stacked bars, one per run, scaled to the tallest; None when there is no run to draw."""
    if not health.runs:
        return None
    names = health.flags
    width = max(320, LEFT + len(health.runs) * (BAR + GAP) + GAP)
    plot = height - TOP - BOTTOM
    peak = max(1, max(sum(p.flags.values()) for p in health.runs))
    bars = []
    for i, point in enumerate(health.runs):
        y: float = TOP + plot
        segments = []
        for j, name in enumerate(names):
            n = int(point.flags.get(name, 0))
            if n:
                h = plot * n / peak
                y -= h
                segments.append(Segment(y, h, color(name, j), f"run {point.run}: {n} {name}"))
        total = sum(int(point.flags.get(name, 0)) for name in names)
        bars.append(Bar(point.run, LEFT + GAP + i * (BAR + GAP), total, y, segments))
    legend = [(name, color(name, j)) for j, name in enumerate(names)]
    return Chart(width, height, TOP + plot, peak, bars, legend)
