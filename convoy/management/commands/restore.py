from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convoy.backup import BackupError, audit_head, holds_data, restore
from convoy.ceremonies.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Restore the database from a FILE written by `manage.py backup`, then verify the "
        "audit chain (R57). Stop the web and task processes first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to restore.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Confirm that the records already in the database are to be replaced.",
        )

    def handle(self, *args: object, **options: object) -> None:
        if holds_data() and not options["replace"]:
            raise CommandError(
                "The database already holds audit events; a restore replaces every record. "
                "Add --replace to confirm."
            )
        try:
            restore(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        intact, _count, message = verify_chain()
        if not intact:
            raise CommandError(f"Restored, but the audit chain is broken: {message}", returncode=1)
        self.stdout.write(f"Restored from {options['file']}; {message}; {audit_head()}.")
