"""Every POST needs the CSRF token: no view is exempt, and real forms refuse a forged post."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import person


def views(resolver: URLResolver = None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_view_is_exempt_from_csrf_protection():
    exempt = [route for route, view in views() if getattr(view, "csrf_exempt", False)]
    assert len(list(views())) > 50
    assert exempt == []


def token_of(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.mark.django_db
def test_a_forged_sign_in_is_refused(csrf_client):
    person("fc.okafor")
    response = csrf_client.post(
        "/signin/", {"username": "fc.okafor", "password": "a-long-test-passphrase"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session


@pytest.mark.django_db
def test_a_sign_in_with_the_pages_token_is_accepted(csrf_client):
    person("fc.okafor")
    token = token_of(csrf_client, "/signin/")
    response = csrf_client.post(
        "/signin/",
        {
            "username": "fc.okafor",
            "password": "a-long-test-passphrase",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302


def test_forged_posts_to_the_framework_forms_change_nothing(world, csrf_client):
    from convoy.models import AuditEvent, ExportJob, Feature

    csrf_client.force_login(world.commodore)
    events = AuditEvent.objects.count()
    forged = {
        "/convoys/1/exports/start/": {},
        "/convoys/1/advance/": {},
        "/convoys/1/features/new/": {"name": "Forged Feature", "number": "7"},
        "/signout/": {},
    }
    for url, data in forged.items():
        assert csrf_client.post(url, data).status_code == 403, url
    assert AuditEvent.objects.count() == events
    assert not ExportJob.objects.exists()
    assert not Feature.objects.filter(name="Forged Feature").exists()
    assert csrf_client.get("/").status_code == 200  # still signed in: sign-out was forged too


def test_a_framework_form_with_its_token_is_accepted(world, csrf_client):
    csrf_client.force_login(world.captain)
    token = token_of(csrf_client, "/convoys/1/features/new/")
    response = csrf_client.post(
        "/convoys/1/features/new/",
        {"csrfmiddlewaretoken": token, "name": "Ledger Sync", "number": "7"},
    )
    # The form's own answer (its missing fields), not the CSRF refusal.
    assert response.status_code == 400
    assert "CSRF" not in response.content.decode()
    assert response.context["form"].errors


def test_signing_out_with_the_token_signs_out(world, csrf_client):
    csrf_client.force_login(world.captain)
    token = token_of(csrf_client, "/")

    response = csrf_client.post("/signout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert csrf_client.get("/").status_code == 302  # back to the sign-in page
