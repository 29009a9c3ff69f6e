"""The CSO dashboard (Signal Report) and the Flow X-ray at 200 and at 10,000 Changes (issue 7).

A scratch SQLite database in a temporary directory gets the demo and two stress convoys
(`load_demo --scale 200` and `--scale 10000`). Each scale is measured in a fresh process:
the Chief Signals Officer's GET of the dashboard and of the Flow X-ray through Django's test
client (the whole view: metrics, tables, charts, template), each five times, the best time
counting (the machine is shared), with the SQL query count of the first. Figures are
printed; nothing is asserted.

Target: the 10,000-Change dashboard renders in at most 3 × the time of the 200-Change one
(the figures are aggregated by the database, not by Python loops over rows), with the same
number of SQL queries.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_workbook import ROOT, manage, scratch_environment

SCALES = (200, 10_000)
TARGET_RATIO = 3.0
REPEATS = 5
PAGES = ("convoy:metrics_dashboard", "convoy:metrics_flow_xray")
# `clock.now()` re-reads the workshop clock's offset when its short cache expires, which
# depends on elapsed time, not on the page: that query is left out of the counts.
WORKSHOP_CLOCK = "convoy_workshopclock"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as scratch:
        env = scratch_environment(Path(scratch))
        env["SADMF_HTTPS"] = "0"  # the test client speaks plain HTTP; nothing is served
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        for changes in SCALES:
            manage(env, "load_demo", "--scale", str(changes))
        print(f"scratch database ready in {time.perf_counter() - started:.1f} s")
        figures = {}
        for changes in SCALES:
            measured = subprocess.run(
                [sys.executable, "-m", "bench.bench_metrics", "--measure", str(changes)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if measured.returncode != 0:
                raise SystemExit(f"measuring scale {changes} failed:\n{measured.stderr}")
            figures[changes] = json.loads(measured.stdout.strip().splitlines()[-1])
        report(figures)


def report(figures: dict[int, dict[str, dict[str, float]]]) -> None:
    small, large = (figures[s] for s in SCALES)
    for page in PAGES:
        a, b = small[page], large[page]
        ratio = b["seconds"] / a["seconds"]
        verdict = "within" if ratio <= TARGET_RATIO else "OVER"
        same = "the same" if a["queries"] == b["queries"] else "DIFFERENT"
        print(
            f"{page}: {a['seconds'] * 1000:.0f} ms at {SCALES[0]:,} Changes, "
            f"{b['seconds'] * 1000:.0f} ms at {SCALES[1]:,}; ratio {ratio:.2f} "
            f"({verdict} the {TARGET_RATIO:g}× target); SQL queries {a['queries']} and "
            f"{b['queries']} ({same})"
        )


def measure(changes: int) -> dict[str, dict[str, float]]:
    """In a fresh process: each page, five times, as the CSO."""
    import django

    django.setup()
    from django.conf import settings

    # Hashed static names exist only after `collectstatic`; the page links plain names.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from convoy.demo import find_stress_convoy

    convoy = find_stress_convoy(changes)
    if convoy is None:
        raise SystemExit(f"No stress convoy with {changes} Changes in the scratch database.")
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="cso"))
    results = {}
    for page in PAGES:
        url = reverse(page, args=[convoy.number])
        times, counts = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            times.append(time.perf_counter() - started)
            counts.append(sum(WORKSHOP_CLOCK not in q["sql"] for q in queries.captured_queries))
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        results[page] = {"seconds": min(times), "queries": counts[0]}
    return results


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main()
