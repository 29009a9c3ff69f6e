"""The Change Freeze (R9): from 72 hours before the sailing date until 48 hours after
deployment no Change is submitted to the CRAP agenda, for any reason; the CSO announces it at
least 5 business days before it starts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from convoy import caching, clock
from convoy.ceremonies.emergency import declare_emergency
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.freeze import announce_freeze, freeze_in_force, freeze_window
from convoy.models import (
    AgendaSubmission,
    AuditEvent,
    ChangeState,
    Convoy,
    EmergencyAuthorization,
    FreezeAnnouncement,
    Role,
)
from tests.factories import person
from tests.pipeline.conftest import archived_change, make_crew, receiving_convening, submit


def sail_on(world, day):
    Convoy.objects.filter(pk=world.convoy.pk).update(sailing_date=day)
    world.convoy.refresh_from_db()
    caching.clear()  # a write outside the ceremonies leaves no audit event to move the pages


@pytest.fixture
def ready(world):
    """An archived Change and a Convening to receive it; the clock where they left it."""
    crew = make_crew(world)
    change = archived_change(crew)
    convening = receiving_convening(crew)
    return crew, change, convening


def test_the_window_runs_from_72_hours_before_the_sailing_date(world):  # R9
    start = timezone.make_aware(dt.datetime(2027, 3, 14, 0, 0))
    assert freeze_window(world.convoy).starts_at == start
    assert not freeze_in_force(world.convoy, start - dt.timedelta(seconds=1))
    assert freeze_in_force(world.convoy, start)


def test_the_window_ends_48_hours_after_deployment(world):  # R9
    deployed = timezone.make_aware(dt.datetime(2027, 3, 17, 16, 0))
    assert freeze_in_force(world.convoy, deployed + dt.timedelta(days=30))  # not yet deployed
    Convoy.objects.filter(pk=world.convoy.pk).update(sailed_at=deployed)
    world.convoy.refresh_from_db()
    assert freeze_in_force(world.convoy, deployed + dt.timedelta(hours=47, minutes=59))
    assert not freeze_in_force(world.convoy, deployed + dt.timedelta(hours=48))


def test_an_agenda_submission_during_the_freeze_is_refused_and_nothing_changes(ready):  # R9
    crew, change, convening = ready
    sail_on(crew.world, clock.today() + dt.timedelta(days=2))
    events = AuditEvent.objects.count()
    with pytest.raises(ProcessViolation) as refusal:
        submit(crew, change, convening)
    assert refusal.value.rule == "R9"
    assert "for any reason" in refusal.value.message
    change.refresh_from_db()
    assert change.state == ChangeState.ARCHIVED
    assert not AgendaSubmission.objects.exists()
    assert AuditEvent.objects.count() == events


def test_outside_the_freeze_the_same_submission_is_received(ready):  # R9
    crew, change, convening = ready
    sail_on(crew.world, clock.today() + dt.timedelta(days=4))
    submit(crew, change, convening)
    assert AgendaSubmission.objects.filter(change=change).exists()


def test_an_emergency_is_no_exception_to_the_freeze(ready):  # R9, R34
    crew, change, _ = ready
    sail_on(crew.world, clock.today() + dt.timedelta(days=1))
    with pytest.raises(ProcessViolation) as refusal:
        declare_emergency(
            actor=change.author,
            change=change,
            justification="Production is down.",
            risk_exposure_summary="risk " * 800,
            remediation_plan="Document everything.",
            documentation_due=clock.today(),
        )
    assert refusal.value.rule == "R9"
    assert not EmergencyAuthorization.objects.exists()


def test_the_cso_announces_the_freeze_five_business_days_ahead(world):  # R9
    cso = person("cso", Role.CSO)
    announcement = announce_freeze(actor=cso, convoy=world.convoy)
    assert announcement.freeze_starts_at == freeze_window(world.convoy).starts_at


def test_a_late_announcement_is_refused(world):  # R9
    cso = person("cso", Role.CSO)
    # The freeze starts Sunday 14 March; five business days before is Friday 5 March.
    clock.travel_to(timezone.make_aware(dt.datetime(2027, 3, 8, 9, 0)))
    with pytest.raises(ProcessViolation) as refusal:
        announce_freeze(actor=cso, convoy=world.convoy)
    assert refusal.value.rule == "R9"
    assert "5 business days" in refusal.value.message
    assert not FreezeAnnouncement.objects.exists()


def test_only_the_cso_announces(world):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        announce_freeze(actor=world.commodore, convoy=world.convoy)
    assert refusal.value.rule == "R4"


def test_every_page_shows_the_freeze_banner_while_it_holds(client, world):  # R9
    client.force_login(world.engineer)
    assert "Change Freeze in force" not in client.get(reverse("convoy:dashboard")).content.decode()
    sail_on(world, clock.today() + dt.timedelta(days=1))
    page = client.get(reverse("convoy:feature_list", args=[1])).content.decode()
    assert "Change Freeze in force until 48 hours after deployment" in page


def test_the_agenda_form_shows_the_freeze_refusal(client, ready):  # R9
    crew, change, convening = ready
    sail_on(crew.world, clock.today() + dt.timedelta(days=2))
    client.force_login(change.author)
    response = client.post(
        reverse("convoy:change_submit_to_agenda", args=[change.pk]),
        {
            "risk_exposure_summary": "Low.",
            "rollback_authorization_declaration": "Authorised.",
            "convening": convening.pk,
        },
        follow=True,
    )
    assert "R9" in response.content.decode()
    assert not AgendaSubmission.objects.exists()
