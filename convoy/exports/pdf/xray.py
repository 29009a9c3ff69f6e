"""The Flow X-ray appendix of the Fleet Inspection Report (§12, §13).

One source of truth: every figure is read from `convoy.metrics.xray.flow_xray` (wait times,
batch size, coordination pairs, blast radius, ceremony hours, the four keys of both the
Convoy and the one-by-one replay, the ratios and the stated assumptions); the charts are
`convoy.metrics.charts` SVG strings, handed to the closed fetcher in memory (`sadmf-memory:`)
byte for byte as the metrics page shows them. Each chart carries its text alternative (the
chart's own `<title>` and `<desc>`) and the table of the numbers behind it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from convoy.exports.pdf.fetcher import memory_url
from convoy.metrics import charts
from convoy.metrics.xray import FlowXray, flow_xray
from convoy.models import Convoy

SVG = "image/svg+xml"
SVG_NS = "{http://www.w3.org/2000/svg}"
# The page's chart leaves out the count of deployments: the frequency row carries it.
NOT_CHARTED = ("Deployments in the quarter",)


@dataclass(frozen=True)
class EmbeddedChart:
    """A metrics chart as the document places it: an in-memory URL and its alternative."""

    url: str
    title: str
    alternative: str


def text_alternative(svg: str) -> tuple[str, str]:
    """The chart's own `<title>` and `<desc>` (convoy.metrics.charts writes both)."""
    root = ET.fromstring(svg)
    title = root.findtext(f"{SVG_NS}title", default="")
    return title, root.findtext(f"{SVG_NS}desc", default=title)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def xray_charts(xray: FlowXray) -> dict[str, str]:
    """§12's two charts, drawn with the same arguments as the Flow X-ray page."""
    code = xray.convoy.code
    rows = [row for row in xray.comparison if row.measure not in NOT_CHARTED]
    return {
        "xray-comparison.svg": charts.comparison_chart(
            slug="comparison-chart",
            title=f"{code} beside the one-by-one replay",
            measures=[row.measure for row in rows],
            convoy=[_float(row.convoy) for row in rows],
            replay=[_float(row.replay) for row in rows],
            convoy_label="The Convoy",
            replay_label="One by one, when done",
        ),
        "xray-waits.svg": charts.bar_chart(
            slug="wait-chart",
            title=f"Wait from done to production, {code}",
            labels=[label for label, _n in xray.wait_buckets],
            values=[n for _label, n in xray.wait_buckets],
            unit="Changes",
        ),
    }


def xray_appendix(convoy: Convoy) -> tuple[dict[str, Any], dict[str, tuple[bytes, str]]]:
    """The appendix's context and the in-memory resources its charts are fetched from."""
    xray = flow_xray(convoy)
    drawn = xray_charts(xray)
    embedded = {}
    for name, svg in drawn.items():
        title, alternative = text_alternative(svg)
        embedded[name.removesuffix(".svg").removeprefix("xray-")] = EmbeddedChart(
            memory_url(name), title, alternative
        )
    resources = {name: (svg.encode("utf-8"), SVG) for name, svg in drawn.items()}
    return {"xray": xray, "xray_charts": embedded}, resources
