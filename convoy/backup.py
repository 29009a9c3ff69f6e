"""Backing up and restoring the database (`manage.py backup` / `manage.py restore`).

SQLite: sqlite3's online backup API copies a consistent snapshot while the app runs (readers
and writers go on; WAL mode). PostgreSQL: `pg_dump --format=custom` and `pg_restore`, which
must be on PATH (Debian: postgresql-client) or in PG_BIN. Either way the backup file is
written under a temporary name and renamed when complete, so a failed backup leaves no file
that looks like a backup. The audit chain's head (R57) is printed by both commands: a
restore is right when it shows the head the backup showed and `verify_audit` passes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connections

SQLITE = "django.db.backends.sqlite3"
POSTGRESQL = "django.db.backends.postgresql"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def engine(alias: str = "default") -> str:
    name = connections[alias].settings_dict["ENGINE"]
    if name not in {SQLITE, POSTGRESQL}:
        raise BackupError(f"Backups are made for SQLite and PostgreSQL, not {name}.")
    return name


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: from PG_BIN, else PATH."""
    pg_bin = os.environ.get("PG_BIN")
    found = str(Path(pg_bin) / name) if pg_bin else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"{name} was not found: install postgresql-client or set PG_BIN.")
    return found


def pg_arguments(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools; the password goes in the environment."""
    args = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    env = os.environ | {"PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    return args, env


def run_tool(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup(target: Path, *, alias: str = "default") -> None:
    """Write a complete backup of the database to `target` (which must not exist yet)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file.")
    settings_dict = connections[alias].settings_dict
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        if engine(alias) == SQLITE:
            source = sqlite3.connect(settings_dict["NAME"])
            destination = sqlite3.connect(temporary)
            try:
                with destination:
                    source.backup(destination)
            finally:
                destination.close()
                source.close()
        else:
            args, env = pg_arguments(settings_dict)
            run_tool([pg_tool("pg_dump"), "--format=custom", f"--file={temporary}", *args], env)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def restore(source: Path, *, alias: str = "default") -> None:
    """Replace the database's contents with the backup's. Stop the web and task processes
    first: a restore is not made under a running app."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file.")
    connection = connections[alias]
    settings_dict = connection.settings_dict
    connection.close()
    if engine(alias) == SQLITE:
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        destination = sqlite3.connect(settings_dict["NAME"])
        try:
            origin.backup(destination)
        finally:
            destination.close()
            origin.close()
    else:
        args, env = pg_arguments(settings_dict)
        run_tool(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(source),
            ],
            env,
        )


def holds_data(alias: str = "default") -> bool:
    """Whether the database already holds audit events (a restore would replace them)."""
    connection = connections[alias]
    if "convoy_auditevent" not in connection.introspection.table_names():
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM convoy_auditevent LIMIT 1")
        return cursor.fetchone() is not None


def audit_head(alias: str = "default") -> str:
    """The audit chain's head as one line: events counted and the head hash (R57)."""
    from convoy.models import AuditHead

    head = AuditHead.objects.using(alias).filter(pk=1).first()
    if head is None:
        return "audit head: none (no events recorded)"
    return f"audit head: event #{head.seq}, hash {head.hash}"
