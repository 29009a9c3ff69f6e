"""A backup restored into a fresh database passes verify_audit with the same head (R57).

Each database runs its own variant: SQLite's online backup API in the normal suite, pg_dump
and pg_restore when the suite runs on PostgreSQL (CI's second pass).
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from convoy.models import AuditHead

ROOT = Path(__file__).resolve().parent.parent
ENGINE = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]

pytestmark = pytest.mark.django_db(transaction=True)


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": database_url, "SADMF_HTTPS": "0"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def postgres_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the suite's kind, not the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"sadmf_restore_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def recorded(world):
    for number in range(1, 6):
        world.feature(number)
    return AuditHead.objects.get(pk=1)


@pytest.mark.parametrize("engine", [ENGINE])
def test_a_restored_backup_has_the_same_intact_audit_chain(
    engine, recorded, fresh_database_url, tmp_path, capsys
):  # R57
    assert connection.vendor == {"sqlite3": "sqlite", "postgresql": "postgresql"}[engine]
    backup_file = tmp_path / "convoy.backup"

    call_command("backup", str(backup_file))
    printed = capsys.readouterr().out
    head = f"audit head: event #{recorded.seq}, hash {recorded.hash}"
    assert head in printed
    assert backup_file.stat().st_size > 0

    restored = manage("restore", str(backup_file), database_url=fresh_database_url)
    assert restored.returncode == 0, restored.stderr
    assert f"audit chain intact: {recorded.seq} events; {head}." in restored.stdout

    verified = manage("verify_audit", database_url=fresh_database_url)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip() == f"audit chain intact: {recorded.seq} events"


@pytest.mark.parametrize("engine", [ENGINE])
def test_a_backup_never_overwrites_a_file(engine, recorded, tmp_path):
    existing = tmp_path / "convoy.backup"
    existing.write_bytes(b"an older backup")

    with pytest.raises(CommandError, match="exists already; a backup never overwrites"):
        call_command("backup", str(existing))

    assert existing.read_bytes() == b"an older backup"
    assert [p.name for p in tmp_path.iterdir()] == ["convoy.backup"]  # no temporary left


@pytest.mark.parametrize("engine", [ENGINE])
def test_a_restore_over_records_needs_confirmation(engine, recorded, tmp_path):
    backup_file = tmp_path / "convoy.backup"
    call_command("backup", str(backup_file))

    with pytest.raises(CommandError, match="already holds audit events.*--replace"):
        call_command("restore", str(backup_file))
    assert AuditHead.objects.get(pk=1).hash == recorded.hash
