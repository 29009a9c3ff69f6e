"""Charts as SVG strings, drawn on the server by matplotlib's SVG backend (§12, §13).

Each function takes plain data (labels and numbers) and returns one `<svg>` element, ready
to be placed inline in a page or a WeasyPrint PDF unchanged:

- deterministic: `svg.hashsalt` fixes the ids, the metadata carries no date, text stays
  text (`svg.fonttype = "none"`), so the same data gives the same bytes;
- accessible: `role="img"`, a `<title>` and a `<desc>` (the text alternative), referenced
  by `aria-labelledby`; the page puts the numbers behind it in a table next to it;
- allowed by the Content Security Policy (`style-src 'self'`): matplotlib's `style="…"`
  attributes and its `<style>` element are rewritten as SVG presentation attributes.

matplotlib is used through `Figure` directly (no pyplot global state), so charts can be
drawn from several threads.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

INK = "#1f2933"
MUTED = "#52606d"
BATCH = "#8a4b08"  # the Convoy
FLOW = "#1c6e8c"  # the replay
GRID = "#d9e2ec"
RC = {
    "svg.hashsalt": "sadmf-convoy",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
}
PRESENTATION = {
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linejoin",
    "stroke-linecap",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-miterlimit",
    "opacity",
    "font-size",
    "font-family",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "clip-path",
}
FONT = re.compile(r"^(?:(?P<style>italic|oblique|normal)\s+)?(?:(?P<weight>\w+)\s+)?"
                  r"(?P<size>[\d.]+px)\s+(?P<family>.+)$")  # fmt: skip


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=72)
    figure.patch.set_alpha(0)
    return figure


def _style_to_attributes(element: ET.Element) -> None:
    style = element.attrib.pop("style", None)
    if not style:
        return
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font":
            match = FONT.match(value)
            if match:
                element.set("font-size", match["size"])
                element.set("font-family", match["family"].replace("'", ""))
                if match["weight"] and match["weight"] != "normal":
                    element.set("font-weight", match["weight"])
                if match["style"] and match["style"] != "normal":
                    element.set("font-style", match["style"])
        elif name in PRESENTATION and value:
            element.set(name, value)


def _render(figure: Figure, title: str, description: str, slug: str) -> str:
    """The figure as one accessible, CSP-clean `<svg>` element (no XML prolog)."""
    with _rc():
        buffer = io.StringIO()
        FigureCanvasSVG(figure)
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    root = ET.fromstring(buffer.getvalue().encode())
    for element in root.iter():
        _style_to_attributes(element)
    _prefix_ids(root, slug)
    for element in list(root):
        if element.tag == f"{{{SVG_NS}}}metadata":
            root.remove(element)
    defs = root.find(f"{{{SVG_NS}}}defs")
    if defs is not None:
        for style in defs.findall(f"{{{SVG_NS}}}style"):
            defs.remove(style)
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    root.set("aria-labelledby", f"{slug}-title {slug}-desc")
    root.set("class", "chart")
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{slug}-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{slug}-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    # The prefixes are process-wide state another library may have re-registered.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _prefix_ids(root: ET.Element, slug: str) -> None:
    """Make every id unique to this chart, so several charts can share a page."""
    for element in root.iter():
        if "id" in element.attrib:
            element.set("id", f"{slug}-{element.get('id')}")
    href = f"{{{XLINK_NS}}}href"
    for element in root.iter():
        for name, value in list(element.attrib.items()):
            if name in (href, "href") and value.startswith("#"):
                element.set(name, f"#{slug}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, value.replace("url(#", f"url(#{slug}-"))


class _rc:
    """matplotlib's rc settings for one rendering (a context manager)."""

    def __enter__(self) -> None:
        import matplotlib

        self._context = matplotlib.rc_context(RC)
        self._context.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)


def _axes(figure: Figure):
    with _rc():
        axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    return axes


def bar_chart(
    *,
    slug: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str,
    highlight: int | None = None,
    width: float = 6.4,
) -> str:
    """Vertical bars, one per label (a distribution: wait times, lead times)."""
    with _rc():
        figure = _figure(width, 2.8)
        axes = _axes(figure)
        colours = [BATCH if i == highlight else FLOW for i in range(len(values))]
        bars = axes.bar(range(len(values)), values, color=colours, width=0.7)
        axes.bar_label(bars, labels=[_number(v) for v in values], padding=2, fontsize=8)
        crowded = len(labels) > 5
        axes.set_xticks(
            range(len(labels)),
            labels,
            rotation=30 if crowded else 0,
            ha="right" if crowded else "center",
            rotation_mode="anchor",
            fontsize=8,
        )
        axes.set_ylabel(unit)
        axes.grid(axis="y", color=GRID, linewidth=0.6)
        axes.margins(y=0.15)
    described = "; ".join(f"{label}: {_number(v)}" for label, v in zip(labels, values, strict=True))
    return _render(figure, title, f"{title}. {unit} — {described}.", slug)


def comparison_chart(
    *,
    slug: str,
    title: str,
    measures: Sequence[str],
    convoy: Sequence[float | None],
    replay: Sequence[float | None],
    convoy_label: str,
    replay_label: str,
) -> str:
    """Paired horizontal bars: the Convoy beside the one-by-one replay, one pair per measure
    (each measure on its own scale, normalised to the larger of the pair)."""
    with _rc():
        figure = _figure(6.4, 0.55 * len(measures) + 1.0)
        axes = _axes(figure)
        rows = range(len(measures))
        pairs = list(zip(convoy, replay, strict=True))
        scale = [max((v or 0) for v in pair) or 1 for pair in pairs]
        left = [(c or 0) / s for (c, _r), s in zip(pairs, scale, strict=True)]
        right = [(r or 0) / s for (_c, r), s in zip(pairs, scale, strict=True)]
        top = axes.barh(
            [y - 0.18 for y in rows], left, height=0.34, color=BATCH, label=convoy_label
        )
        low = axes.barh(
            [y + 0.18 for y in rows], right, height=0.34, color=FLOW, label=replay_label
        )
        axes.bar_label(top, labels=[_number(c) for c, _r in pairs], padding=2, fontsize=8)
        axes.bar_label(low, labels=[_number(r) for _c, r in pairs], padding=2, fontsize=8)
        axes.set_yticks(list(rows), measures, fontsize=8)
        axes.invert_yaxis()
        axes.set_xticks([])
        axes.set_xlim(0, 1.3)
        axes.spines[["bottom"]].set_visible(False)
        axes.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=8
        )
    described = "; ".join(
        f"{m}: {convoy_label} {_number(c)}, {replay_label} {_number(r)}"
        for m, c, r in zip(measures, convoy, replay, strict=True)
    )
    return _render(figure, title, f"{title}. {described}.", slug)


def gauge_chart(
    *, slug: str, title: str, value: float | None, bands: Sequence[tuple[float, float, str, str]]
) -> str:
    """One horizontal bar for a ratio against coloured bands (label, from, to, colour); an
    undefined value draws the bands only and says so."""
    with _rc():
        figure = _figure(6.4, 1.5)
        axes = _axes(figure)
        for low, high, label, colour in bands:
            axes.barh(0, high - low, left=low, height=0.8, color=colour, alpha=0.35)
            axes.text((low + high) / 2, 0.55, label, ha="center", va="bottom", fontsize=7)
        if value is not None:
            axes.barh(0, value, height=0.3, color=INK)
            axes.text(value, -0.35, f"{_number(value)} %", ha="center", va="top", fontsize=8)
        else:
            axes.text(bands[-1][1] / 2, -0.35, "Undefined", ha="center", va="top", fontsize=8)
        axes.set_yticks([])
        axes.set_xlim(0, bands[-1][1])
        axes.set_ylim(-0.9, 1.1)
        axes.spines[["left"]].set_visible(False)
        axes.set_xlabel("% of plan")
    where = "undefined" if value is None else f"{_number(value)} %"
    described = ", ".join(f"{label} from {low:g} to {high:g} %" for low, high, label, _c in bands)
    return _render(figure, title, f"{title}: {where}. Bands: {described}.", slug)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    number = float(value)
    if number == int(number):
        return f"{number:,.0f}"
    return f"{number:,.2f}" if abs(number) < 1 else f"{number:,.1f}"
