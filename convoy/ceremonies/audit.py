"""Writing audit events (R57). Called by every ceremony function inside its transaction."""

import json
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from convoy import clock
from convoy.models import AuditEvent, AuditHead
from convoy.models.audit import event_hash


def json_safe(value: Any) -> Any:
    """The value as the JSON column will give it back (dates and decimals become strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return json_safe({name: getattr(obj, name) for name in fields})


def record_event(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the ceremony's transaction (R57).")
    # The head row is made by migration 0002; a flushed database (transactional tests) has
    # none until the first event.
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    fields = {
        "seq": head.seq + 1,
        "at": clock.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_name": actor.get_username() if actor is not None else "system",
        "action": action,
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": (object_repr if object_repr is not None else str(obj))[:300],
        "before": json_safe(before),
        "after": json_safe(after),
        "prev_hash": head.hash,
    }
    digest = event_hash(**fields)
    event = AuditEvent.objects.create(hash=digest, **fields)
    head.seq = event.seq
    head.hash = digest
    head.save(update_fields=["seq", "hash"])
    return event


def verify_chain() -> tuple[bool, int, str]:
    """Walk the chain in order. Returns (intact, events checked, message)."""
    expected_prev = AuditHead._meta.get_field("hash").default
    expected_seq = 1
    checked = 0
    last_hash = expected_prev
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return False, checked, f"event #{expected_seq} is missing (found #{event.seq} next)"
        if event.prev_hash != expected_prev:
            return False, checked, f"event #{event.seq} does not link to event #{event.seq - 1}"
        if event.computed_hash() != event.hash:
            return (
                False,
                checked,
                f"event #{event.seq} ({event.action} {event.object_repr}) has been altered: "
                "its stored fields no longer match its hash",
            )
        expected_prev = event.hash
        last_hash = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return False, checked, "the audit head record is missing"
    if head.seq != checked or head.hash != last_hash:
        return (
            False,
            checked,
            f"the chain ends at event #{checked} but the head records #{head.seq}: "
            "events after it have been removed",
        )
    return True, checked, f"audit chain intact: {checked} events"
