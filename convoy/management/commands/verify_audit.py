from django.core.management.base import BaseCommand, CommandError

from convoy.ceremonies.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit event hash chain (R57). Exit 1 and name the first broken event."

    def handle(self, *args: object, **options: object) -> None:
        intact, _count, message = verify_chain()
        if not intact:
            raise CommandError(f"audit chain broken: {message}", returncode=1)
        self.stdout.write(message)
