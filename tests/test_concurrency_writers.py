"""Parallel writers never see "database is locked" (R57: the audit chain stays one chain).

Eight people register features at the same moment, each from their own thread and database
connection, while two others read the feature list. Runs on the database the suite runs on:
SQLite (a file in WAL mode, IMMEDIATE transactions, a busy timeout) and, in CI, PostgreSQL.
"""

import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from convoy.ceremonies.audit import verify_chain
from convoy.ceremonies.planning import register_feature
from convoy.models import AuditEvent, AuditHead, Feature, Role
from tests.factories import person

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
CALLS = 20
READERS = 2


def run_together(workers):
    """Start every worker at one barrier; returns the error each raised (None when none)."""
    barrier = threading.Barrier(len(workers))
    errors = [None] * len(workers)

    def run(index, work):
        try:
            barrier.wait(timeout=60)
            work()
        except Exception as error:
            errors[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_the_database_is_set_up_for_concurrent_writers(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert not connection.is_in_memory_db()  # the test database is a file, as in use
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 10_000
            assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        else:
            assert connection.vendor == "postgresql"
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "read committed"


def test_eight_writers_at_once_all_succeed_in_one_audit_chain(world):  # R57
    captains = [world.captain] + [
        person(f"fc.writer{n}", Role.FEATURE_CAPTAIN, convoy=world.convoy)
        for n in range(1, WRITERS)
    ]
    events_before = AuditEvent.objects.count()
    reads = []

    def writer(captain):
        def work():
            for call in range(CALLS):
                register_feature(
                    actor=captain,
                    convoy=world.convoy,
                    name=f"Parallel {captain.username} {call}",
                    captain=captain,
                )

        return work

    def reader():
        for _ in range(CALLS):
            reads.append(Feature.objects.filter(convoy=world.convoy).count())

    errors = run_together([writer(c) for c in captains] + [reader] * READERS)

    assert errors == [None] * (WRITERS + READERS)
    total = WRITERS * CALLS
    numbers = sorted(Feature.objects.filter(convoy=world.convoy).values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))  # no number lost, none given twice
    assert len(reads) == READERS * CALLS and max(reads) <= total
    assert AuditEvent.objects.count() == events_before + total
    intact, checked, message = verify_chain()
    assert intact, message
    assert AuditHead.objects.get(pk=1).seq == checked == events_before + total


def test_verify_audit_reports_one_intact_chain_after_parallel_writers(world, capsys):  # R57
    errors = run_together(
        [
            lambda n=n: register_feature(
                actor=world.captain,
                convoy=world.convoy,
                name=f"Parallel {n}",
                captain=world.captain,
            )
            for n in range(WRITERS)
        ]
    )
    assert errors == [None] * WRITERS

    call_command("verify_audit")

    assert "audit chain intact" in capsys.readouterr().out
    assert AuditHead.objects.count() == 1
