"""Drive a running SADMF Convoy with wrk and report latency, throughput and errors.

Run by bench/loadtest.sh (`make loadtest`), which starts PostgreSQL and gunicorn first:

    python bench/loadtest.py --base http://127.0.0.1:PORT --scale 10000

Signs the Commodore in over HTTP (the sign-in form, CSRF token and all) and gives wrk the
session cookie. Each page gets LOADTEST_SECONDS (default 60) at LOADTEST_CONNECTIONS
(default 16) concurrent connections; `/healthz`, a view that touches neither the session
nor the database, is the reference. The sign-in page, driven without a session, is context,
not a target: what rendering the base template costs with no database work at all. Nor is
the feature page asked for with a different query string every time ("?fresh=N"): the same
page, never kept whole for its reader (convoy/caching.py), so it shows what a render from the
cached parts costs, as after every ceremony or on a reader's first visit. Any
response outside 2xx counts as an error (a redirect to the sign-in page is a failure here,
not a success). Exits 1 when a target is missed: zero errors, p95 <= 250 ms, each page's
throughput >= 20 % of the reference's.
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "commodore"
P95_TARGET_MS = 250.0
RATIO_TARGET = 0.20

# wrk's Lua hooks: count every non-2xx response per thread, print one JSON line at the end.
WRK_SCRIPT = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args) bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""
# A query string never asked for before on every request: no page is served kept.
WRK_FRESH = """
counter = 0
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?fresh=" .. tostring(id) .. "." .. counter)
end
"""


@dataclass
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def prepare(scale: int) -> tuple[str, list[tuple[str, str]]]:
    """A fresh password for the Commodore, and the pages to drive on the stress convoy."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sadmf.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from convoy import demo

    convoy = demo.find_stress_convoy(scale)
    if convoy is None:
        raise SystemExit(f"No stress convoy of {scale} Changes: run load_demo --scale {scale}.")
    feature = convoy.features.order_by("number").first()
    password = secrets.token_urlsafe(18)
    user = get_user_model().objects.get(username=USERNAME)
    user.set_password(password)
    user.save(update_fields=["password"])
    number = convoy.number
    return password, [
        ("dashboard", "/"),
        ("feature list", f"/convoys/{number}/features/"),
        ("feature page", f"/convoys/{number}/features/{feature.number}/"),
        ("Manifest", f"/convoys/{number}/manifest/"),
    ]


def wait_until_up(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset or slow while the workers start
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not answer {base}/healthz within {timeout:.0f} s.")
        time.sleep(0.5)


def sign_in(base: str, password: str) -> str:
    """Sign in through the form; returns the Cookie header value (session and CSRF)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/signin/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": USERNAME, "password": password, "csrfmiddlewaretoken": token, "next": "/"}
    ).encode()
    request = urllib.request.Request(f"{base}/signin/", data=form, headers={"Referer": base})
    opener.open(request).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"Signing in as {USERNAME} failed: no session cookie.")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def check_page(base: str, path: str, cookie: str) -> None:
    """One request first: a page that is not a 200 for the signed-in user stops the run."""
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{path} answered {status}, not 200, for the signed-in {USERNAME}.")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_wrk(
    name: str, base: str, path: str, cookie: str, seconds: int, connections: int, script: str
) -> Result:
    command = [
        "wrk",
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
        *(["--header", f"Cookie: {cookie}"] if cookie else []),
        f"{base}{path}",
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("LOADTEST "))
    data = json.loads(line.removeprefix("LOADTEST "))
    return Result(
        name=name,
        path=path,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["non_2xx"] + data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


SIGN_IN = ("sign-in page", "/signin/")  # anonymous: the base template, no database
NOT_KEPT = "feature page, not kept"  # a new query string each time (WRK_FRESH)


def report(results: list[Result], reference: Result) -> list[str]:
    """Prints the table; returns the targets missed (the context row has none)."""
    print()
    print(
        f"{'page':<22} {'path':<38} {'req/s':>8} {'ratio':>7} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    missed = []
    for result in [reference, *results]:
        ratio = result.throughput / reference.throughput if reference.throughput else 0.0
        print(
            f"{result.name:<22} {result.path:<38} {result.throughput:>8.1f} {ratio:>6.0%} "
            f"{result.p50_ms:>8.1f} {result.p95_ms:>8.1f} {result.p99_ms:>8.1f} "
            f"{result.errors:>7d}"
        )
        if result.errors:
            missed.append(f"{result.name}: {result.errors} errors (target: none)")
        if result.p95_ms > P95_TARGET_MS:
            missed.append(f"{result.name}: p95 {result.p95_ms:.0f} ms > {P95_TARGET_MS:.0f} ms")
        if result.name in (SIGN_IN[0], NOT_KEPT):
            continue
        if result is not reference and ratio < RATIO_TARGET:
            missed.append(f"{result.name}: {ratio:.0%} of the reference (target >= 20 %)")
    print()
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--scale", type=int, default=10000)
    args = parser.parse_args()
    seconds = int(os.environ.get("LOADTEST_SECONDS", "60"))
    connections = int(os.environ.get("LOADTEST_CONNECTIONS", "16"))

    password, pages = prepare(args.scale)
    wait_until_up(args.base)
    cookie = sign_in(args.base, password)
    for _name, path in pages:
        check_page(args.base, path, cookie)
    print(f"== wrk: {connections} connections, {seconds} s per page, signed in as {USERNAME}")
    scripts = {}
    for kind, text in [("plain", WRK_SCRIPT), ("fresh", WRK_SCRIPT + WRK_FRESH)]:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(text)
        scripts[kind] = script.name
    feature_path = next(path for name, path in pages if name == "feature page")
    try:
        drive = [("reference", "/healthz"), SIGN_IN, *pages, (NOT_KEPT, feature_path)]
        results = []
        for name, path in drive:
            print(f"   {name} ({path}) ...", flush=True)
            session = "" if (name, path) == SIGN_IN else cookie
            script = scripts["fresh" if name == NOT_KEPT else "plain"]
            result = run_wrk(name, args.base, path, session, seconds, connections, script)
            if name == NOT_KEPT:
                result.path += "?fresh=N"
            results.append(result)
    finally:
        for script in scripts.values():
            os.unlink(script)
    missed = report(results[1:], results[0])
    for line in missed:
        print(f"TARGET MISSED  {line}")
    if not missed:
        print("All targets met: zero errors, p95 <= 250 ms, every page >= 20 % of the reference.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
