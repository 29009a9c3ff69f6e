"""Every model is in the admin; domain records there are read-only (ceremonies change them)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from convoy.models import AuditEvent, Convoy


def test_every_convoy_model_is_registered_in_the_admin():
    missing = [
        model.__name__
        for model in apps.get_app_config("convoy").get_models()
        if not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.fixture
def staff_client(client, world):
    world.admiral.is_staff = True
    world.admiral.is_superuser = True
    world.admiral.save()
    client.force_login(world.admiral)
    return client


def test_the_admin_lists_convoys_but_offers_no_edit(staff_client, world):
    listing = staff_client.get(reverse("admin:convoy_convoy_changelist"))
    assert listing.status_code == 200
    assert "CONVOY-1" in listing.content.decode()
    assert staff_client.get(reverse("admin:convoy_convoy_add")).status_code == 403


def test_an_audit_event_cannot_be_edited_or_deleted_through_the_admin(staff_client, world):  # R57
    event = AuditEvent.objects.first()
    change_url = reverse("admin:convoy_auditevent_change", args=[event.pk])
    response = staff_client.post(change_url, {"action": "tampered"})
    assert response.status_code == 403
    delete_url = reverse("admin:convoy_auditevent_delete", args=[event.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "convoy.create"
    assert Convoy.objects.count() == 1
