"""The Fleet Inspection Report against bare WeasyPrint (§13; issue 9's target).

A scratch SQLite database in a temporary directory gets the demo and a stress convoy of 2,000
Changes (`load_demo --scale 2000`, about 40 features), to which this benchmark adds a Fleet
Inspection (a presentation per feature, five leadership scorers, lessons, flags,
commendations and the CSO's compilation) by bulk insert. In a fresh process: the report is
rendered through `render_report` (records read, template, closed fetcher, WeasyPrint, file
written, hash, log), best of three; then, in another fresh process, bare WeasyPrint renders
the same HTML saved to a file (same page count, same content, its CSS and chart files beside
it, default fetcher), best of three. Pages, seconds, seconds per page, their ratio and peak
memory are printed; nothing is asserted.

Target: seconds per page at most 1.3 × bare WeasyPrint's.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_workbook import manage, scratch_environment

ROOT = Path(__file__).resolve().parent.parent
SCALE = 2000
TARGET_RATIO = 1.3
REPEATS = 3
SCORERS = 5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as scratch:
        env = scratch_environment(Path(scratch))
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--scale", str(SCALE))
        print(f"scratch database ready in {time.perf_counter() - started:.1f} s", flush=True)
        ours = run(env, "--measure", scratch)
        bare = run(env, "--bare", ours["html_dir"])
        report(ours, bare)


def run(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_pdf", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench_pdf {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(ours: dict, bare: dict) -> None:
    ours_pp = ours["seconds"] / ours["pages"]
    bare_pp = bare["seconds"] / bare["pages"]
    print(
        f"Fleet Inspection Report at scale {SCALE}: {ours['features']} features, "
        f"{ours['pages']} pages in {ours['seconds']:.2f} s ({ours_pp * 1000:.1f} ms/page), "
        f"peak memory {ours['peak_mb']:.0f} MB"
    )
    print(
        f"bare WeasyPrint, same HTML: {bare['pages']} pages in {bare['seconds']:.2f} s "
        f"({bare_pp * 1000:.1f} ms/page), peak memory {bare['peak_mb']:.0f} MB"
    )
    print(f"ratio per page {ours_pp / bare_pp:.2f} (target <= {TARGET_RATIO})")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def seed_fleet_inspection(convoy) -> None:  # type: ignore[no-untyped-def]
    """A concluded Fleet Inspection of every feature, bulk inserted (idempotent)."""
    import datetime as dt
    import random
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from convoy.ceremonies.fleet_inspection import feature_means, overall_mean
    from convoy.models.fleet import (
        Commendation,
        FeaturePresentation,
        FleetInspection,
        FleetInspectionReport,
        InspectionScore,
        LessonLearned,
        TribunalFlag,
        normalize_lesson,
    )

    if FleetInspection.objects.filter(convoy=convoy).exists():
        return
    rng = random.Random(SCALE)
    moment = dt.datetime.combine(convoy.sailing_date, dt.time(9), tzinfo=dt.UTC)
    moment += dt.timedelta(days=4)
    scorers = list(get_user_model().objects.order_by("username")[:SCORERS])
    inspection = FleetInspection.objects.create(
        convoy=convoy,
        opened_by=convoy.commodore,
        opened_at=moment,
        signed_by=convoy.commodore,
        signed_at=moment + dt.timedelta(hours=9),
    )
    features = list(convoy.features.order_by("number"))
    presentations = FeaturePresentation.objects.bulk_create(
        FeaturePresentation(
            inspection=inspection,
            feature=f,
            presenter=f.captain,
            slot_start=moment + dt.timedelta(minutes=45 * i),
            duration_minutes=rng.randint(38, 45),
            slide_count=rng.randint(25, 60),
            slide_logo_and_convoy=True,
            slide_executive_summary=True,
            slide_gantt=rng.random() > 0.1,
            slide_loc_per_engineer=True,
            slide_dependencies=rng.random() > 0.1,
            slide_lessons_learned=True,
            recorded_at=moment,
        )
        for i, f in enumerate(features)
    )
    lessons = ("Begin the Manifest earlier.", "Rehearse the slides twice.", "Book the room.")
    LessonLearned.objects.bulk_create(
        LessonLearned(presentation=p, text=t, normalized=normalize_lesson(t))
        for p in presentations
        for t in lessons
    )
    InspectionScore.objects.bulk_create(
        InspectionScore(
            presentation=p,
            scorer=s,
            slide_quality=rng.randint(2, 5),
            narrative_coherence=rng.randint(2, 5),
            metric_compliance=rng.randint(3, 5),
            time_management=rng.randint(2, 5),
            scored_at=moment,
        )
        for p in presentations
        for s in scorers
    )
    for p in FeaturePresentation.objects.filter(inspection=inspection).prefetch_related("scores"):
        means = feature_means(p)
        low = {d: m for d, m in means.items() if m < 3.0}
        if low:
            TribunalFlag.objects.create(
                inspection=inspection, feature=p.feature, dimensions=low, flagged_at=moment
            )
        if overall_mean(means) > 4.5 or p.feature.number == 1:
            Commendation.objects.create(
                inspection=inspection,
                feature=p.feature,
                captain=p.feature.captain,
                overall=Decimal(str(overall_mean(means))),
                dimension_means=means,
                awarded_by=convoy.commodore,
                awarded_at=moment,
            )
    FleetInspectionReport.objects.create(
        inspection=inspection,
        compiled_by=convoy.commodore,
        compiled_at=moment + dt.timedelta(hours=20),
        deadline=moment + dt.timedelta(hours=33),
    )


def measure(scratch: str) -> dict:
    """In a fresh process: the report through the app, then its HTML saved for the bare run."""
    import django

    django.setup()
    from django.template.loader import render_to_string

    from convoy import clock
    from convoy.ceremonies.reports import render_report
    from convoy.demo import find_stress_convoy
    from convoy.exports.pdf.documents import DOCUMENTS
    from convoy.exports.pdf.fetcher import MEMORY_SCHEME, static_root
    from convoy.models import ReportKind

    convoy = find_stress_convoy(SCALE)
    if convoy is None:
        raise SystemExit(f"No stress convoy with {SCALE} Changes in the scratch database.")
    seed_fleet_inspection(convoy)
    times, rendering = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        rendering = render_report(
            actor=convoy.commodore, convoy=convoy, kind=ReportKind.FLEET_INSPECTION
        )
        times.append(time.perf_counter() - started)
    peak = peak_mb()

    spec = DOCUMENTS[ReportKind.FLEET_INSPECTION]
    context = spec.context(convoy=convoy, actor=convoy.commodore)
    resources = context.pop("resources")
    html = render_to_string(spec.template, {**context, "created": clock.now()})
    html_dir = Path(scratch) / "bare"
    (html_dir / "reports").mkdir(parents=True, exist_ok=True)
    for css in (static_root() / "reports").glob("*.css"):
        shutil.copy(css, html_dir / "reports" / css.name)
    for name, (body, _type) in resources.items():
        (html_dir / name).write_bytes(body)
    (html_dir / "report.html").write_text(html.replace(f"{MEMORY_SCHEME}:", ""))
    return {
        "features": convoy.features.count(),
        "pages": rendering.pages,
        "seconds": min(times),
        "peak_mb": peak,
        "html_dir": str(html_dir),
    }


def bare(html_dir: str) -> dict:
    """Bare WeasyPrint: an HTML file with its CSS and charts beside it, default fetcher."""
    from weasyprint import HTML

    times, pages = [], 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        document = HTML(filename=os.path.join(html_dir, "report.html")).render()
        document.write_pdf(os.path.join(html_dir, "bare.pdf"))
        times.append(time.perf_counter() - started)
        pages = len(document.pages)
    return {"pages": pages, "seconds": min(times), "peak_mb": peak_mb()}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "--bare":
        print(json.dumps(bare(sys.argv[2])))
    else:
        main()
