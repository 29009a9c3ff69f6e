"""The audit trail: every state change leaves an event; the hash chain detects tampering (R57)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from convoy.ceremonies.audit import record_event
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.planning import add_task
from convoy.models import AuditEvent, AuditHead, Task


def run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def busy_world(world):
    feature = world.feature(1)
    add_task(actor=world.captain, feature=feature, title="Draft", hours=3)
    record_change(actor=world.engineer, feature=feature, title="Reconcile ledgers")
    return world


def test_an_untouched_chain_verifies(busy_world):  # R57
    count = AuditEvent.objects.count()
    assert count >= 4
    assert run_verify() == f"audit chain intact: {count} events"


def test_each_event_records_actor_action_object_and_links_to_the_previous(busy_world):  # R57
    events = list(AuditEvent.objects.order_by("seq"))
    change_event = events[-1]
    assert change_event.action == "change.record"
    assert change_event.actor == busy_world.engineer
    assert change_event.after["title"] == "Reconcile ledgers"
    assert change_event.prev_hash == events[-2].hash
    assert AuditHead.objects.get().hash == change_event.hash


def test_altering_one_events_stored_data_is_detected_and_named(busy_world):  # R57
    victim = AuditEvent.objects.get(action="task.add")
    AuditEvent.objects.filter(pk=victim.pk).update(after={**victim.after, "hours": "1.00"})
    with pytest.raises(CommandError) as broken:
        run_verify()
    assert f"event #{victim.seq}" in str(broken.value)
    assert "altered" in str(broken.value)
    assert broken.value.returncode == 1


def test_changing_the_actor_is_detected(busy_world):  # R57
    victim = AuditEvent.objects.get(action="change.record")
    AuditEvent.objects.filter(pk=victim.pk).update(actor=busy_world.other_engineer)
    with pytest.raises(CommandError, match=f"event #{victim.seq}"):
        run_verify()


def test_deleting_an_event_in_the_middle_is_detected(busy_world):  # R57
    victim = AuditEvent.objects.order_by("seq")[1]
    victim.delete()
    with pytest.raises(CommandError, match=f"event #{victim.seq} is missing"):
        run_verify()


def test_deleting_the_latest_event_is_detected(busy_world):  # R57
    AuditEvent.objects.order_by("-seq").first().delete()
    with pytest.raises(CommandError, match="removed"):
        run_verify()


def test_a_refused_action_writes_neither_record_nor_event(busy_world):  # R57
    before = AuditEvent.objects.count()
    feature = busy_world.convoy.features.get()
    with pytest.raises(ProcessViolation):
        add_task(actor=busy_world.captain, feature=feature, title="Too long", hours=9)
    assert AuditEvent.objects.count() == before
    assert Task.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_a_transaction(busy_world):  # R57
    with pytest.raises(RuntimeError, match="inside the ceremony's transaction"):
        record_event(actor=None, action="x", obj=busy_world.convoy)


def test_an_event_rolled_back_with_its_transaction_leaves_the_chain_intact(busy_world):  # R57
    before = AuditEvent.objects.count()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(actor=None, action="doomed", obj=busy_world.convoy)
        1 / 0  # noqa: B018
    assert AuditEvent.objects.count() == before
    assert run_verify() == f"audit chain intact: {before} events"
