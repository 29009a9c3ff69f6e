"""Render the documents of a Convoy and the pages worth looking at as PNG (§13, issue 9).

    python -m bench.look_pdf --convoy 26 --out /tmp/look [--as USERNAME]

Renders the Convoy Manifest, the Fleet Inspection Report and (when one was earned) a
Commodore's Commendation through `render_report` (so they enter the log, like any rendering),
then writes with `pdftoppm`: page 1 (the cover), the contents page, the first feature
section, and the chart pages (the Fleet Inspection Report's estimated vs actual and its Flow
X-ray appendix: the metrics charts, embedded unchanged), plus the
Commendation's one page. Open the PNGs and look at them. Not a benchmark: `python -m bench`
skips it (its name does not start with `bench_`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

RESOLUTION = 70


def page_of(pdf: Path, heading: str, after: int = 2) -> int | None:
    """The first page after `after` whose text starts a line with `heading`."""
    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    for page in range(after + 1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if any(line.strip().startswith(heading) for line in text.splitlines()):
            return page
    return None


def snapshot(pdf: Path, page: int, out: Path, label: str) -> Path:
    stem = out / f"{pdf.stem}-{label}"
    subprocess.run(
        ["pdftoppm", "-r", str(RESOLUTION), "-png", "-singlefile", "-f", str(page), "-l",
         str(page), str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    return stem.with_suffix(".png")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--convoy", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--as", dest="username")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sadmf.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from convoy.ceremonies.reports import render_report, rendering_path
    from convoy.models import Convoy, ReportKind
    from convoy.models.fleet import Commendation

    convoy = Convoy.objects.get(number=args.convoy)
    actor = (
        get_user_model().objects.get(username=args.username) if args.username else convoy.commodore
    )
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in (ReportKind.MANIFEST, ReportKind.FLEET_INSPECTION):
        pdf = rendering_path(render_report(actor=actor, convoy=convoy, kind=kind))
        written += [snapshot(pdf, 1, args.out, "cover"), snapshot(pdf, 2, args.out, "contents")]
        # the first feature section: its facts list opens with these labels
        feature = page_of(pdf, "Story points" if kind == ReportKind.MANIFEST else "Presenter")
        if feature:
            written.append(snapshot(pdf, feature, args.out, "feature"))
        chart = page_of(pdf, "3. Estimated vs actual")
        if kind == ReportKind.FLEET_INSPECTION and chart:
            written.append(snapshot(pdf, chart, args.out, "chart"))
        xray = page_of(pdf, "The Convoy beside the one-by-one replay")
        if kind == ReportKind.FLEET_INSPECTION and xray:
            written += [
                snapshot(pdf, xray, args.out, "xray"),
                snapshot(pdf, xray + 1, args.out, "xray-waits"),
            ]
    commended = Commendation.objects.filter(inspection__convoy=convoy).order_by("feature__number")
    if commended.exists():
        rendering = render_report(
            actor=actor,
            convoy=convoy,
            kind=ReportKind.COMMENDATION,
            feature=commended.first().feature,
        )
        written.append(snapshot(rendering_path(rendering), 1, args.out, "certificate"))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
