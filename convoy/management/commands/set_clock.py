import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from convoy.ceremonies.audit import record_event
from convoy.models import WorkshopClock


class Command(BaseCommand):
    help = (
        "Move the clock every process sees, for workshops: set_clock '2027-03-12 16:55' "
        "or set_clock --reset. Time keeps running from the moved moment."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("moment", nargs="?", help="YYYY-MM-DD HH:MM in the app's time zone")
        parser.add_argument("--reset", action="store_true", help="back to real time")

    def handle(self, *args: object, moment: str | None, reset: bool, **options: object) -> None:
        if reset:
            offset = 0
            target = timezone.now()
        elif moment:
            try:
                target = timezone.make_aware(dt.datetime.fromisoformat(moment))
            except ValueError as error:
                raise CommandError(f"Not a moment: {moment!r} (use YYYY-MM-DD HH:MM).") from error
            offset = round((target - timezone.now()).total_seconds())
        else:
            raise CommandError("Give a moment (YYYY-MM-DD HH:MM) or --reset.")
        with transaction.atomic():
            clock_row, _ = WorkshopClock.objects.select_for_update().get_or_create(pk=1)
            before = {"offset_seconds": clock_row.offset_seconds}
            clock_row.offset_seconds = offset
            clock_row.save()
            record_event(
                actor=None,
                action="clock.set",
                obj=clock_row,
                before=before,
                after={"offset_seconds": offset},
            )
        reads = timezone.localtime(target)
        self.stdout.write(f"The clock now reads {reads:%Y-%m-%d %H:%M} ({offset:+d} s).")
