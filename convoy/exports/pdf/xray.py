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
from convoy.metrics.xray import flow_xray
from convoy.metrics.xray import flow_xray_charts as xray_charts
from convoy.models import Convoy

SVG = "image/svg+xml"
SVG_NS = "{http://www.w3.org/2000/svg}"


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
