"""Production settings pass Django's deployment checklist."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SADMF_HTTPS", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="convoy.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def production_settings(*names: str) -> dict[str, str]:
    """The named settings as production computes them (no SADMF_HTTPS, DEBUG off)."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: repr(getattr(settings, n, None)) for n in {list(names)!r}}}))"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="convoy.example.org",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_https_is_enforced():
    values = production_settings(
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SESSION_COOKIE_AGE",
    )
    assert values["SESSION_COOKIE_SECURE"] == "True"
    assert values["CSRF_COOKIE_SECURE"] == "True"
    assert values["SECURE_SSL_REDIRECT"] == "True"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 365 * 24 * 60 * 60
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "True"
    assert values["SESSION_COOKIE_HTTPONLY"] == "True"
    # A session ends with the browser, and at the latest one working day after sign-in.
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] == "True"
    assert int(values["SESSION_COOKIE_AGE"]) == 8 * 60 * 60


def test_plain_http_is_redirected_to_https_and_https_answers_with_hsts(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    plain = client.get("/signin/")
    secure = client.get("/signin/", secure=True)

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/signin/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_and_csrf_cookies_are_marked_secure_under_https(client, settings, db):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    from tests.factories import person

    person("fc.okafor")
    response = client.post(
        "/signin/",
        {"username": "fc.okafor", "password": "a-long-test-passphrase"},
        secure=True,
    )

    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["max-age"] == ""  # ends with the browser
    assert response.cookies["csrftoken"]["secure"] is True


def test_passwords_are_checked_by_the_validators():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1", "password123456", "12345678901234"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a-long-test-passphrase")
