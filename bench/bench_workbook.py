"""The Release Tracking workbook export against bare openpyxl (§10; issue 8's targets).

A scratch SQLite database in a temporary directory gets the demo and two stress convoys
(`load_demo --scale 100` and `--scale 10000`). Each scale is measured in a fresh process:
the export through `export_workbook` (queries counted, time, peak resident memory), then, in
the same process, bare openpyxl write-only writing the same sheets with the same number of
rows and cells; each three times, the best time counting (the machine is shared). Figures
are printed; nothing is asserted.

Targets: export time at most 1.5 × the bare writer's; peak memory at most 150 MB; the same
number of SQL queries at 100 and at 10,000 Changes.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALES = (100, 10_000)
TARGET_RATIO = 1.5
TARGET_MB = 150
REPEATS = 3  # the best of three of each, against the noise of a shared machine


def scratch_environment(directory: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    env["SADMF_EXPORT_ROOT"] = str(directory / "exports")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-elsewhere-0123456789")
    env.setdefault("DJANGO_SETTINGS_MODULE", "sadmf.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-workbook-") as scratch:
        env = scratch_environment(Path(scratch))
        started = time.perf_counter()
        manage(env, "migrate", "--noinput")
        for changes in SCALES:
            manage(env, "load_demo", "--scale", str(changes))
        print(f"scratch database ready in {time.perf_counter() - started:.1f} s")
        figures = {}
        for changes in SCALES:
            measured = subprocess.run(
                [sys.executable, "-m", "bench.bench_workbook", "--measure", str(changes)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if measured.returncode != 0:
                raise SystemExit(f"measuring scale {changes} failed:\n{measured.stderr}")
            figures[changes] = json.loads(measured.stdout.strip().splitlines()[-1])
        report(figures)


def report(figures: dict[int, dict]) -> None:
    for changes, f in figures.items():
        ratio = f["export_s"] / f["bare_s"]
        print(
            f"scale {changes:>6}: {f['rows']:>7} rows, {f['cells']:>8} cells in {f['tabs']} tabs; "
            f"export {f['export_s']:.2f} s vs bare openpyxl {f['bare_s']:.2f} s "
            f"(ratio {ratio:.2f}, target <= {TARGET_RATIO} at {SCALES[-1]}); "
            f"peak memory {f['export_peak_mb']:.0f} MB (target <= {TARGET_MB}); "
            f"{f['queries']} SQL queries"
        )
    small, large = (figures[scale] for scale in SCALES)
    same = "equal" if small["queries"] == large["queries"] else "NOT EQUAL"
    print(
        f"SQL queries at {SCALES[0]} and {SCALES[1]} Changes: "
        f"{small['queries']} and {large['queries']} ({same})"
    )


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(changes: int) -> dict:
    """In a fresh process: the export, then bare openpyxl with the same shape."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from convoy.ceremonies import exports
    from convoy.demo import find_stress_convoy
    from convoy.exports.workbook.tabs import TABS

    convoy = find_stress_convoy(changes)
    if convoy is None:
        raise SystemExit(f"No stress convoy with {changes} Changes in the scratch database.")
    reports = []
    build = exports.build_workbook

    def keeping_the_report(*args, **kwargs):  # the export's own tab counts, for the bare run
        reports.append(build(*args, **kwargs))
        return reports[-1]

    exports.build_workbook = keeping_the_report
    export_times, query_counts = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            exports.export_workbook(actor=convoy.commodore, convoy=convoy)
        export_times.append(time.perf_counter() - started)
        query_counts.append(len(queries))
    export_peak = peak_mb()  # before the bare writer runs in this process

    # (rows of full width including the header, columns, "no records" rows of one cell)
    shape = [
        (tab.rows + 1, len(spec.columns), 0 if tab.rows else 1)
        for tab, spec in zip(reports[0].tabs, TABS, strict=True)
    ]
    bare_s = min(
        bare_openpyxl(shape, Path(tempfile.mkdtemp()) / "bare.xlsx") for _ in range(REPEATS)
    )
    export_s = min(export_times)
    return {
        "tabs": len(shape),
        "rows": reports[0].rows,
        "cells": reports[0].cells,
        "export_s": export_s,
        "bare_s": bare_s,
        "export_peak_mb": export_peak,
        "queries": query_counts[0],  # the first export, as a fresh process makes it
    }


def bare_openpyxl(shape: list[tuple[int, int, int]], path: Path) -> float:
    """openpyxl write-only at its plainest: the same sheets, rows and cells, text and numbers."""
    from openpyxl import Workbook

    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    for index, (rows, columns, single) in enumerate(shape, start=1):
        ws = workbook.create_sheet(f"Sheet {index}")
        for row in range(rows):
            ws.append([f"R{row}C{c}" if c % 2 else row * c for c in range(columns)])
        for _ in range(single):
            ws.append(["No records."])
    workbook.save(path)
    return time.perf_counter() - started


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main()
