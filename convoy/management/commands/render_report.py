import os
import shutil
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.models import Convoy, Feature, ReportKind


class Command(BaseCommand):
    help = (
        "Render a document of DOMAIN.md §13 from the stored records: the Convoy Manifest "
        "(PDF/A, for auditors), the Fleet Inspection Report (R47) or the Commodore's "
        "Commendation of one feature (R46). The next version is entered in the log (R56) and "
        "a copy written to --out (under a temporary name, renamed when complete)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("document", choices=ReportKind.values)
        parser.add_argument("--convoy", type=int, required=True, metavar="N", help="CONVOY-N")
        parser.add_argument(
            "--feature", type=int, metavar="F", help="the feature number (the Commendation)"
        )
        parser.add_argument(
            "--out", type=Path, required=True, metavar="DIR", help="directory for the copy"
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="the rendering person (default: the Convoy's Commodore)",
        )

    def handle(self, *args: object, document: str, convoy: int, out: Path, **options) -> None:
        subject = Convoy.objects.select_related("commodore").filter(number=convoy).first()
        if subject is None:
            raise CommandError(f"There is no CONVOY-{convoy}.")
        actor = self.actor(subject, options.get("username"))
        feature = None
        if options.get("feature") is not None:
            feature = Feature.objects.filter(convoy=subject, number=options["feature"]).first()
            if feature is None:
                raise CommandError(f"{subject.code} has no feature F{options['feature']:03d}.")
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is not a directory.")
        out.mkdir(parents=True, exist_ok=True)

        def progress(done: int, total: int, step: str) -> None:
            self.stdout.write(f"[{done}/{total}] {step}")

        try:
            rendering = render_report(
                actor=actor,
                convoy=subject,
                kind=ReportKind(document),
                feature=feature,
                progress=progress,
            )
        except ProcessViolation as refusal:
            raise CommandError(f"{refusal.rule}: {refusal.message}") from refusal
        copy = out / rendering.file_name
        handle, partial = tempfile.mkstemp(dir=out, prefix=".partial-", suffix=".pdf")
        os.close(handle)
        try:
            shutil.copyfile(rendering_path(rendering), partial)
            os.replace(partial, copy)
        finally:
            Path(partial).unlink(missing_ok=True)
        variant = f", {rendering.pdf_variant}" if rendering.pdf_variant else ""
        self.stdout.write(
            f"{rendering.get_kind_display()} of {subject.code}, version {rendering.version}: "
            f"{rendering.pages} pages{variant}."
        )
        self.stdout.write(f"path: {copy.resolve()}")
        self.stdout.write(f"sha256: {rendering.sha256}")

    def actor(self, convoy: Convoy, username: str | None):  # type: ignore[no-untyped-def]
        if username is None:
            return convoy.commodore
        try:
            return get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
