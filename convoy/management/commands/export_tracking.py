import shutil
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import export_path, export_workbook
from convoy.models import Convoy


class Command(BaseCommand):
    help = (
        "Export the Release Tracking workbook of a Convoy (47 tabs, DOMAIN.md §10): the next "
        "version is entered in the export log (R56) and a copy written to --out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--convoy", type=int, required=True, metavar="N", help="CONVOY-N")
        parser.add_argument(
            "--out", type=Path, required=True, metavar="DIR", help="directory for the copy"
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the exporting person (default: the Convoy's Commodore)",
        )

    def handle(self, *args: object, convoy: int, out: Path, username: str | None, **options):
        try:
            subject = Convoy.objects.select_related("commodore").get(number=convoy)
        except Convoy.DoesNotExist:
            raise CommandError(f"There is no CONVOY-{convoy}.") from None
        if username is None:
            actor = subject.commodore
        else:
            try:
                actor = get_user_model().objects.get_by_natural_key(username)
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user {username!r}.") from None
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is not a directory.")
        out.mkdir(parents=True, exist_ok=True)

        def progress(done: int, total: int, title: str) -> None:
            self.stdout.write(f"[{done:>2}/{total}] {title}")

        try:
            export = export_workbook(actor=actor, convoy=subject, progress=progress)
        except ProcessViolation as refusal:
            raise CommandError(f"{refusal.rule}: {refusal.message}") from refusal
        copy = out / export.file_name
        shutil.copyfile(export_path(export), copy)
        self.stdout.write(
            f"{subject.code} version {export.version}: {export.rows} rows in {export.tabs} tabs."
        )
        self.stdout.write(f"path: {copy.resolve()}")
        self.stdout.write(f"sha256: {export.sha256}")
