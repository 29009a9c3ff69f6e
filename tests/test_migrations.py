"""The migrations describe the models: a model change without its migration fails here."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_status:  # --check exits 1 when a migration is missing
        pytest.fail(f"Models and migrations disagree (exit {exit_status.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_code_compliance_checklist_is_loaded_by_the_migrations():  # R21
    from convoy.models import ChecklistItem

    assert ChecklistItem.objects.count() == 47
