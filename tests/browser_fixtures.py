"""pytest-playwright overrides: drive Debian's Chromium, never a downloaded browser.

Listed in `pytest_plugins` by tests/conftest.py. Playwright's own browser builds are not
installed (`playwright install` would download one); the suite uses the `chromium` package
that `.ci/system-deps` installs. A missing browser fails the run instead of skipping the
browser tests, so a green run always includes them.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class DebianChromium:
    """Registered at configure time, after every plugin, so its fixture overrides
    pytest-playwright's whatever order the plugins were loaded in (`-p`, entry point,
    `pytest_plugins`) and still receives pytest-playwright's value."""

    @pytest.fixture(scope="session")
    @classmethod
    def browser_type_launch_args(cls, browser_type_launch_args, browser_name):
        """pytest-playwright's launch options (`--headed`, `--slowmo`…) plus Debian's Chromium."""
        if browser_name != "chromium":
            pytest.fail(
                f"Only Chromium is available to the browser tests, not {browser_name!r}.",
                pytrace=False,
            )
        if not CHROMIUM.exists():
            pytest.fail(
                f"{CHROMIUM} is missing: run .ci/system-deps (as root it installs the Debian "
                "`chromium` package) before the browser tests.",
                pytrace=False,
            )
        options = dict(browser_type_launch_args)
        options.setdefault("headless", True)
        options["executable_path"] = str(CHROMIUM)
        options["args"] = [*options.get("args", []), *CHROMIUM_ARGS]
        return options


def pytest_configure(config):
    config.pluginmanager.register(DebianChromium(), "sadmf-debian-chromium")
    # pytest-playwright 0.10's own `base_url` fallback fixture trips this pytest 9 deprecation.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:(?s)Session-scoped fixtures defined as instance methods.*'base_url' fixture"
        ":pytest.PytestRemovedIn10Warning",
    )
