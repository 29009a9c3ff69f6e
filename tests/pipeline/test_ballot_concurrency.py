"""Seven members vote on the same Change at the same moment, each from their own thread and
database connection (R29, R30). Run on SQLite and, in CI, on PostgreSQL."""

import threading

import pytest
from django.db import connection

from convoy.ceremonies.audit import verify_chain
from convoy.ceremonies.convening import cast_ballot
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import AuditEvent, Ballot, BallotParticipation, Change, ChangeState, Tally
from tests.pipeline.conftest import convene, make_crew, new_change, to_archived

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = 20


def _vote_together(convening, change, voters):
    """Each voter casts from their own thread at the same moment; returns (voter, outcome)."""
    barrier = threading.Barrier(len(voters))
    outcomes = [None] * len(voters)

    def vote(index, member):
        try:
            barrier.wait(timeout=30)
            cast_ballot(actor=member, convening=convening, change=change, accept=True)
            outcomes[index] = "cast"
        except ProcessViolation as refusal:
            outcomes[index] = refusal.rule
        except Exception as error:
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(i, m)) for i, m in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return list(zip(voters, outcomes, strict=True))


def test_seven_simultaneous_ballots_are_each_stored_once_and_tallied_once(world):  # R29, R30
    crew = make_crew(world)
    changes = to_archived(crew, [new_change(crew, f"Change {n}") for n in range(CHANGES)])
    convening = convene(crew, changes)

    for round_number, change in enumerate(changes):
        twice = crew.crap[round_number % 7]
        outcomes = _vote_together(convening, change, [*crew.crap, twice])

        casts = [member for member, outcome in outcomes if outcome == "cast"]
        refusals = [(member, outcome) for member, outcome in outcomes if outcome != "cast"]
        assert sorted(m.pk for m in casts) == sorted(m.pk for m in crew.crap), outcomes
        # The second attempt is refused as a second ballot (R29), or, when it is the last to
        # get the lock, because the seven ballots have been tallied (R30).
        assert [m.pk for m, _ in refusals] == [twice.pk], outcomes
        assert refusals[0][1] in {"R29", "R30"}, outcomes
        assert Ballot.objects.filter(convening=convening, change=change).count() == 7
        assert BallotParticipation.objects.filter(convening=convening, change=change).count() == 7
        assert Tally.objects.filter(convening=convening, change=change).count() == 1
        tally_events = AuditEvent.objects.filter(
            action="ballot.tally", object_id=str(Tally.objects.get(change=change).pk)
        )
        assert tally_events.count() == 1
        assert Change.objects.get(pk=change.pk).state == ChangeState.ACCEPTED

    assert Tally.objects.count() == CHANGES
    assert AuditEvent.objects.filter(action="ballot.tally").count() == CHANGES
    assert AuditEvent.objects.filter(action="ballot.participate").count() == 7 * CHANGES
    assert verify_chain()[0]
