"""R59: signed records cannot be edited once signed.

Two abstract bases enforce it in the model layer, the one layer every writer goes through
(forms, the admin, ceremonies, `QuerySet.update()`):

- `ImmutableRecord`: signed by being created (a vote, a score, a certificate). Saving an
  existing row, deleting it, and `update()`/`delete()` on a queryset of them are refused.
- `SignedRecord`: drafted, then signed (minutes, a checklist). Editable until `signed_at` is
  set; from then on frozen like an `ImmutableRecord`. Signing is the one save that sets it.

Corrections are new records that reference the old; nothing is rewritten. Deleting the
parent of a signed record through a database cascade is not intercepted here (the Convoy
and its records are never deleted by the app).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from convoy.ceremonies.errors import ProcessViolation


def _refusal(model: type[models.Model], verb: str) -> ProcessViolation:
    name = model._meta.verbose_name
    return ProcessViolation(
        "R59",
        f"A signed {name} cannot be {verb}. Corrections are filed as new records "
        "referencing the original.",
    )


class ImmutableQuerySet(models.QuerySet):
    """Refuses bulk rewriting of records that are signed from creation."""

    def update(self, **kwargs: Any) -> int:
        raise _refusal(self.model, "altered")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise _refusal(self.model, "deleted")


class ImmutableRecord(models.Model):
    """A record signed by its creation: written once, never changed or deleted."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise _refusal(type(self), "altered")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise _refusal(type(self), "deleted")


class SignedQuerySet(models.QuerySet):
    """Bulk writes are allowed only on rows that are not yet signed."""

    def update(self, **kwargs: Any) -> int:
        if self.filter(signed_at__isnull=False).exists():
            raise _refusal(self.model, "altered")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(signed_at__isnull=False).exists():
            raise _refusal(self.model, "deleted")
        return super().delete()


class SignedRecord(models.Model):
    """A record drafted first and signed later; frozen from the moment it is signed."""

    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SignedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_signed():
            raise _refusal(type(self), "altered")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_signed():
            raise _refusal(type(self), "deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def _stored_signed(self) -> bool:
        if self._state.adding or self.pk is None:
            return False
        return type(self)._base_manager.filter(pk=self.pk, signed_at__isnull=False).exists()
