"""Every model is in the admin; domain records there are read-only (ceremonies change them)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from convoy.ceremonies.audit import verify_chain
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


# Edits made in the admin are audited like a ceremony (R57) ---------------------------------


def _crew_form(crew, **changes):
    data = {
        "user": crew.user_id,
        "display_name": crew.display_name,
        "initials": crew.initials,
        "team": crew.team,
        "signature_reference": crew.signature_reference,
    }
    return data | changes


def test_a_signature_reference_edited_in_the_admin_is_on_the_audit_chain(staff_client, world):
    # R23 verifies signatures against this reference; R57 records who changed it and from what.
    crew = world.captain.crew
    old = crew.signature_reference
    url = reverse("admin:convoy_crewprofile_change", args=[crew.pk])
    response = staff_client.post(url, _crew_form(crew, signature_reference="OKAFOR-2"))
    assert response.status_code == 302
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "crew.admin_change"
    assert event.actor_id == world.admiral.pk
    assert event.before["signature_reference"] == old
    assert event.after["signature_reference"] == "OKAFOR-2"
    assert verify_chain()[0]
    auditor = Client()
    auditor.force_login(world.auditor)
    trail = auditor.get(reverse("convoy:audit_trail")).content.decode()
    assert "crew.admin_change" in trail


def test_an_admin_save_that_changes_nothing_adds_no_event(staff_client, world):  # R57
    crew = world.captain.crew
    count = AuditEvent.objects.count()
    url = reverse("admin:convoy_crewprofile_change", args=[crew.pk])
    assert staff_client.post(url, _crew_form(crew)).status_code == 302
    assert AuditEvent.objects.count() == count


def test_a_display_name_edited_in_the_admin_shows_on_the_next_page(client, staff_client, world):
    # The kept pages are keyed by the audit chain's head: the admin's event moves it (R57).
    world.feature(1, name="Ledger Sync")
    reader = Client()
    reader.force_login(world.captain)
    dashboard = reverse("convoy:dashboard")
    reader.get(dashboard)
    assert world.captain.crew.display_name in reader.get(dashboard).content.decode()  # kept
    url = reverse("admin:convoy_crewprofile_change", args=[world.captain.crew.pk])
    staff_client.post(url, _crew_form(world.captain.crew, display_name="Adaeze Okafor-Brandt"))
    assert "Adaeze Okafor-Brandt" in reader.get(dashboard).content.decode()


def test_a_password_set_in_the_admin_is_recorded_without_the_hash(staff_client, world):  # R57
    url = reverse("admin:auth_user_password_change", args=[world.captain.pk])
    password = "a long enough harbour passphrase"
    response = staff_client.post(
        url, {"password1": password, "password2": password, "usable_password": "true"}
    )
    assert response.status_code == 302
    world.captain.refresh_from_db()
    assert world.captain.check_password(password)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "user.admin_password_set"
    assert event.after == {"password": "set"}
    assert world.captain.password not in str(event.before) + str(event.after)
    assert verify_chain()[0]


def test_an_account_closed_in_the_admin_is_recorded(staff_client, world):  # R57
    user = world.engineer
    url = reverse("admin:auth_user_change", args=[user.pk])
    # The change form as shown, with "Active" unticked (an unticked box is not posted).
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": "2027-01-04",
        "date_joined_1": "09:00:00",
    }
    assert staff_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "user.admin_change"
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)
    assert verify_chain()[0]
