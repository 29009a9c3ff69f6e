"""The Content Security Policy, and the templates it relies on: no inline script anywhere."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from convoy.models import Role
from tests.factories import person

TEMPLATE_ROOTS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "convoy"]

# What a strict policy would block, so what no template may contain.
FORBIDDEN = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a script that is not ours": re.compile(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//", re.I),
    "an inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript\s*:", re.IGNORECASE),
    "an inline style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
}


def templates() -> list[Path]:
    return sorted(p for root in TEMPLATE_ROOTS for p in root.rglob("*.html"))


def test_there_are_templates_to_scan():
    assert len(templates()) > 20


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_holds_inline_script_handlers_or_styles(path):
    text = path.read_text()
    found = [
        f"{what} at line {text.count(chr(10), 0, match.start()) + 1}: {match.group(0)[:80]}"
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(text)
    ]
    assert not found, "; ".join(found)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<a href="javascript:go()">',
        '<p style="color:red">',
        '<script type="module">',
        '<script src="https://cdn.example.org/x.js">',
    ],
)
def test_the_scan_catches_what_it_looks_for(snippet):
    assert any(pattern.search(snippet) for pattern in FORBIDDEN.values())


def test_the_scan_lets_our_own_scripts_through():
    snippet = "<script src=\"{% static 'convoy/wordcount.js' %}\" defer></script>"
    assert not any(pattern.search(snippet) for pattern in FORBIDDEN.values())


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_script(client):
    directives = policy(client.get("/signin/"))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = client.get("/signin/")["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


@pytest.mark.django_db
def test_signed_in_pages_and_the_admin_carry_it_too(client):
    admiral = person("admiral", Role.ADMIRAL)
    admiral.is_staff = admiral.is_superuser = True
    admiral.save()
    client.force_login(admiral)

    for url in ["/", "/admin/", "/admin/convoy/convoy/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response)["script-src"] == ["'self'"], url
