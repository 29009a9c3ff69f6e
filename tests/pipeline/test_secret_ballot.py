"""R58: with full read access to the database and the audit chain, nothing maps a stored
ballot to the member who cast it.

Ballots here are made distinguishable on purpose (seat n rejects naming checklist item n), so
the test knows who cast which; the database must not."""

import json
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.urls import reverse

from convoy.ceremonies.convening import cast_ballot
from convoy.models import AuditEvent, Ballot, BallotParticipation
from tests.pipeline.conftest import convene, new_change, to_archived

CHANGES = 20


@pytest.fixture
def finished(crew):
    """A Convening that has decided 20 Changes, each voted in seat order."""
    changes = to_archived(crew, [new_change(crew, f"Change {n}") for n in range(CHANGES)])
    convening = convene(crew, changes)
    for change in changes:
        for seat, member in enumerate(crew.crap, start=1):
            cast_ballot(
                actor=member, convening=convening, change=change, accept=False, reasons=[seat]
            )
    return convening, changes


CAST_ORDER = list(range(1, 8))


def physical_order(change) -> list[int]:
    """The seats whose ballots lie in the table's physical order (rowid, or ctid)."""
    position = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reasons FROM {Ballot._meta.db_table} WHERE change_id = %s ORDER BY {position}",
            [change.pk],
        )
        return [json.loads(r[0])[0] if isinstance(r[0], str) else r[0][0] for r in cursor]


def test_a_ballot_has_no_voter_no_time_and_a_random_key():  # R58
    fields = Ballot._meta.get_fields()
    user_model = get_user_model()
    assert isinstance(Ballot._meta.pk, models.UUIDField)
    assert Ballot._meta.pk.default is uuid.uuid4
    assert not [f for f in fields if getattr(f, "related_model", None) is user_model]
    assert not [f for f in fields if getattr(f, "related_model", None) is BallotParticipation]
    assert not [f for f in fields if isinstance(f, models.DateField | models.DateTimeField)]
    participation_fields = BallotParticipation._meta.get_fields()
    assert not [f for f in participation_fields if getattr(f, "related_model", None) is Ballot]
    assert not [
        f for f in participation_fields if isinstance(f, models.DateField | models.DateTimeField)
    ]


def test_the_two_tables_are_ordered_differently():  # R58
    assert Ballot._meta.ordering == ["id"]
    assert BallotParticipation._meta.ordering != Ballot._meta.ordering


def test_stored_ballot_ids_are_random_version_4_uuids(finished):  # R58
    ids = list(Ballot.objects.values_list("id", flat=True))
    assert len(ids) == 7 * CHANGES
    assert {i.version for i in ids} == {4}


def test_no_ordering_of_a_finished_convening_maps_ballots_to_members(finished):  # R58
    _, changes = finished
    follows_cast_order = {"id": 0, "physical": 0}
    for change in changes:
        participations = BallotParticipation.objects.filter(change=change).order_by("pk")
        # The participation table keeps the order of casting (its ids are sequential) ...
        assert [p.member.username for p in participations] == [f"crap.{n}" for n in CAST_ORDER]
        by_id = [b.reasons[0] for b in Ballot.objects.filter(change=change).order_by("id")]
        assert sorted(by_id) == CAST_ORDER
        # ... the ballot table does not, by key or by position on disk.
        follows_cast_order["id"] += by_id == CAST_ORDER
        follows_cast_order["physical"] += physical_order(change) == CAST_ORDER
    # A random order of 7 equals the casting order once in 5040; twice in 20 Changes is
    # beyond chance.
    assert follows_cast_order["id"] <= 1, follows_cast_order
    assert follows_cast_order["physical"] <= 1, follows_cast_order


@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is PostgreSQL's")
def test_every_ballot_of_a_box_was_written_by_one_transaction(finished):  # R58
    _, changes = finished
    with connection.cursor() as cursor:
        for change in changes:
            cursor.execute(
                f"SELECT count(DISTINCT xmin::text) FROM {Ballot._meta.db_table} "
                "WHERE change_id = %s",
                [change.pk],
            )
            assert cursor.fetchone()[0] == 1


def test_audit_events_for_ballots_record_participation_only(finished):  # R58
    ballot_ids = {str(i) for i in Ballot.objects.values_list("id", flat=True)}
    ballot_ids |= {i.replace("-", "") for i in ballot_ids}
    events = list(AuditEvent.objects.all())
    assert not [e for e in events if e.object_type == "convoy.ballot"]
    participations = [e for e in events if e.action == "ballot.participate"]
    assert len(participations) == 7 * CHANGES
    for event in participations:
        assert set(event.after) == {"convening_id", "change_id", "member_id"}
        assert "accept" not in json.dumps(event.after) and "reject" not in event.object_repr
    text = json.dumps([[e.object_id, e.object_repr, e.before, e.after] for e in events])
    assert not [i for i in ballot_ids if i in text]


def test_the_admin_shows_ballots_without_their_voters(client, crew, finished):  # R58
    ballot_admin = admin.site._registry[Ballot]
    shown = {"change", "convening", "accept", "reasons"}
    assert set(ballot_admin.list_display) <= shown and set(ballot_admin.fields) <= shown
    assert not ballot_admin.has_change_permission(None) and not ballot_admin.date_hierarchy
    staff = crew.world.admiral
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    listing = client.get(reverse("admin:convoy_ballot_changelist")).content.decode()
    assert listing.count("/change/") >= 7
    assert not [m.username for m in crew.crap if m.username in listing]
