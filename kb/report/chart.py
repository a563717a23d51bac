"""KB health over the last runs as a small inline SVG: open flags by name, stacked per run.

Hand-written SVG instead of a chart library: the report must work offline and run no script.
Every label is escaped, though flag names and run ids come from the KB, not from pages.
"""

from __future__ import annotations

from html import escape
from typing import Any

COLORS = {
    "needs_verification": "#d97706",
    "stale": "#6b7280",
    "past_policy_year": "#7c3aed",
    "changed_since_verified": "#dc2626",
    "gone": "#1f2937",
}
FALLBACK = ("#0891b2", "#65a30d", "#db2777", "#4f46e5")


def color(name: str, index: int = 0) -> str:
    return COLORS.get(name) or FALLBACK[index % len(FALLBACK)]


def health_svg(health: dict[str, Any], height: int = 200) -> str:
    """Stacked bars (one per run) of open flags, with the entry count as a label above each bar."""
    runs = health.get("runs") or []
    names: list[str] = list(health.get("flags") or [])
    if not runs:
        return '<p class="muted">No crawl runs yet.</p>'
    bar, gap, left, top, bottom = 40, 18, 36, 22, 28
    width = max(320, left + len(runs) * (bar + gap) + gap)
    plot = height - top - bottom
    peak = max(1, max(sum(r["flags"].values()) for r in runs))
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="open flags by name after each of the last runs">',
        "<title>Open flags by name after each run</title>",
        f'<line x1="{left}" y1="{top + plot}" x2="{width}" y2="{top + plot}" stroke="#9ca3af"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="axis">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot}" text-anchor="end" class="axis">0</text>',
    ]
    for i, run in enumerate(runs):
        x = left + gap + i * (bar + gap)
        y = top + plot
        total = 0
        for j, name in enumerate(names):
            n = int(run["flags"].get(name, 0))
            if not n:
                continue
            h = plot * n / peak
            y -= h
            total += n
            tip = f"run {run['run']}: {n} {name}"
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" fill="{color(name, j)}">'
                f"<title>{escape(tip)}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="val">{total}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" class="axis">'
            f"#{escape(str(run['run']))}</text>"
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{color(name, j)}"></span>'
        f"{escape(name)}</span>"
        for j, name in enumerate(names)
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'
