from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convoy.backup import BackupError, audit_head, backup


class Command(BaseCommand):
    help = (
        "Back up the database to FILE while the app runs: SQLite's online backup API, or "
        "pg_dump's custom format on PostgreSQL. Prints the audit chain's head (R57)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to write (must not exist).")

    def handle(self, *args: object, **options: object) -> None:
        target: Path = options["file"]
        head = audit_head()
        try:
            backup(target)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written to {target} ({target.stat().st_size} bytes); {head}.")
