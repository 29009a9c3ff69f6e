"""Vector charts for the documents, as SVG bytes handed to the closed fetcher in memory.

Text in a chart comes from records (feature codes) and is XML-escaped here.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

WIDTH = 640
ROW = 22
LEFT = 70


def estimate_gantt(rows: list[tuple[str, int, int | None]]) -> bytes:
    """R44's Gantt of estimated vs actual: one pair of bars per (label, estimated, actual)."""
    scale_max = max([1, *(max(e, a or 0) for _, e, a in rows)])
    height = 40 + ROW * len(rows)
    span = WIDTH - LEFT - 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans" font-size="10">',
        '<rect x="0" y="0" width="100%" height="100%" fill="white"/>',
        f'<rect x="{LEFT}" y="6" width="10" height="8" fill="#7a8ca6"/>'
        f'<text x="{LEFT + 14}" y="14">Estimated story points</text>',
        f'<rect x="{LEFT + 170}" y="6" width="10" height="8" fill="#c0392b"/>'
        f'<text x="{LEFT + 184}" y="14">Actual story points</text>',
    ]
    for index, (label, estimated, actual) in enumerate(rows):
        y = 28 + index * ROW
        parts.append(f'<text x="4" y="{y + 12}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{LEFT}" y="{y}" width="{span * estimated / scale_max:.1f}" height="8" '
            'fill="#7a8ca6"/>'
        )
        if actual is not None:
            parts.append(
                f'<rect x="{LEFT}" y="{y + 9}" width="{span * actual / scale_max:.1f}" '
                'height="8" fill="#c0392b"/>'
            )
        value = f"{estimated} / {actual if actual is not None else '—'}"
        parts.append(f'<text x="{WIDTH - 4}" y="{y + 12}" text-anchor="end">{value}</text>')
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")
