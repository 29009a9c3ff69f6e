"""HTML to PDF with WeasyPrint and the closed fetcher (§13). No HTTP, no database writes.

Every document extends templates/reports/base.html: A4, running header (document title,
CONVOY-n, "SADMF Document Standards Guide v14.2"), footer "page X of Y", cover, contents
with page numbers, bookmarks from the headings, metadata from <title> and <meta>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from weasyprint import HTML

from convoy.exports.pdf.fetcher import StaticOnlyFetcher, static_root

# (steps done, steps total, what is being done now)
Progress = Callable[[int, int, str], None]

STEPS = ("Reading the records", "Laying out the pages", "Writing the PDF", "Entering the log")


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    pages: int
    refused: tuple[str, ...]  # URLs the fetcher refused (none, for our own templates)


def report_step(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done, len(STEPS), STEPS[done] if done < len(STEPS) else "Complete")


def render_pdf(
    template: str,
    context: Mapping[str, Any],
    *,
    created: dt.datetime,
    pdf_variant: str | None = None,
    resources: Mapping[str, tuple[bytes, str]] | None = None,
    progress: Progress | None = None,
) -> RenderedPdf:
    """Render one document. `resources` are in-memory images (e.g. SVG charts) by name."""
    html = render_to_string(template, {**context, "created": created})
    report_step(progress, 1)
    fetcher = StaticOnlyFetcher(resources)
    document = HTML(
        string=html, base_url=static_root().as_uri() + "/", url_fetcher=fetcher
    ).render()
    document.metadata.created = created.isoformat(timespec="seconds")
    document.metadata.modified = document.metadata.created
    document.metadata.attachments = []  # no document of ours embeds a file
    report_step(progress, 2)
    options: dict[str, Any] = {}
    if pdf_variant:
        options["pdf_variant"] = pdf_variant
    pdf = document.write_pdf(**options)
    report_step(progress, 3)
    return RenderedPdf(pdf=pdf, pages=len(document.pages), refused=tuple(fetcher.refused))
