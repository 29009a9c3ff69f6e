import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convoy import demo
from convoy.ceremonies.audit import verify_chain
from convoy.ceremonies.errors import ProcessViolation


class Command(BaseCommand):
    help = (
        "Load the demo organisation: a named person in every role, CONVOY-26 (2026 Q4, "
        "closed) and CONVOY-27 (2027 Q1, in Code Inspection), with the workshop clock at "
        "2027-02-15 09:30. Running it again changes nothing. --scale N adds a stress convoy "
        "of N Changes (from 2900 Q1) for benchmarks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="issue a new password to every demo user and print it",
        )
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="also build a stress convoy with exactly N Changes (reused if one exists)",
        )

    def handle(self, *args: object, reset_passwords: bool, scale: int | None, **options) -> None:
        if scale is not None and scale < 1:
            raise CommandError("--scale needs a number of Changes of at least 1.")
        started = time.monotonic()
        try:
            result = demo.load_demo(reset_passwords=reset_passwords, progress=self.stdout.write)
            if result.built:
                self.stdout.write(f"Demo loaded in {time.monotonic() - started:.1f} s.")
            else:
                self.stdout.write("The demo is already loaded (CONVOY-26 and CONVOY-27).")
            if result.built or result.password or scale is None:
                self.print_crew(result)
            if scale is not None:
                started = time.monotonic()
                convoy, built = demo.build_stress_convoy(changes=scale, progress=self.stdout.write)
                if built:
                    took = time.monotonic() - started
                    self.stdout.write(f"Stress convoy {convoy.code} built in {took:.1f} s.")
                else:
                    self.stdout.write(
                        f"Stress convoy {convoy.code} ({convoy.quarter_label}) already holds "
                        f"{scale} Changes; reused."
                    )
        except (ProcessViolation, demo.DemoRefused) as refusal:
            raise CommandError(str(refusal)) from refusal
        _intact, _count, message = verify_chain()
        self.stdout.write(f"{message[0].upper()}{message[1:]}.")

    def print_crew(self, result: demo.DemoResult) -> None:
        width = max(len(m.username) for m in result.crew)
        name_width = max(len(m.name) for m in result.crew)
        self.stdout.write("")
        self.stdout.write(f"{'username':<{width}}  {'name':<{name_width}}  role")
        for member in result.crew:
            self.stdout.write(
                f"{member.username:<{width}}  {member.name:<{name_width}}  {member.describe()}"
            )
        self.stdout.write("")
        if not result.password:
            self.stdout.write(demo.PASSWORD_NOTICE)
            return
        if len(result.password_holders) == len(result.crew):
            self.stdout.write(f"Password for every demo user listed above: {result.password}")
        else:
            kept = ", ".join(
                m.username for m in result.crew if m.username not in result.password_holders
            )
            self.stdout.write(
                f"Password for the demo users created now: {result.password}\n"
                f"These existed before and keep their own password: {kept}."
            )
        self.stdout.write("It is shown this once; load_demo --reset-passwords issues a new one.")
