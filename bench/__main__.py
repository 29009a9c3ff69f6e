"""Run the benchmarks: `python -m bench [NAME ...]`.

Discovers the `bench_*.py` modules in this package and calls each one's `main()` in name
order; the modules print their own figures. Names given on the command line (with or
without the `bench_` prefix) select a subset. `DJANGO_SETTINGS_MODULE` defaults to
`sadmf.settings`; a module that needs Django calls `django.setup()` itself.
"""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(PACKAGE_DIR)])
        if info.name.startswith("bench_") and not info.ispkg
    )


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sadmf.settings")
    names = discover()
    if argv:
        wanted = {arg if arg.startswith("bench_") else f"bench_{arg}" for arg in argv}
        unknown = sorted(wanted - set(names))
        if unknown:
            print(f"Unknown benchmarks: {', '.join(unknown)}", file=sys.stderr)
            return 2
        names = [name for name in names if name in wanted]
    if not names:
        print("No benchmarks yet (bench/bench_*.py).")
        return 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"-- {name}: {time.perf_counter() - started:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
