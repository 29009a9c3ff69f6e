"""The demo's records give every section of every document something to show (issue 9), and
the demo's people have rendered and read them (R56)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.test import override_settings

from convoy import clock
from convoy.exports.pdf.documents import DOCUMENTS
from convoy.models import Convoy, ReportDownload, ReportKind, ReportRendering
from convoy.models.fleet import Commendation

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

CHAPTER = re.compile(
    r'<section class="chapter[^"]*" id="([^"]+)">(.*?)</section>\s*'
    r'(?=<section class="chapter|</body>)',
    re.S,
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def chapters(kind: ReportKind, **arguments) -> dict[str, str]:
    spec = DOCUMENTS[kind]
    convoy = Convoy.objects.get(number=26)
    context = spec.context(convoy=convoy, actor=convoy.commodore, **arguments)
    context.pop("resources", None)
    html = render_to_string(spec.template, {**context, "created": clock.now()})
    return dict(CHAPTER.findall(html))


def with_records(html: str) -> bool:
    """A table cell, a fact or a chart: something read from the records."""
    return bool(re.search(r'<td(?! class="empty")[^>]*>|<dd|<img ', html))


@pytest.mark.parametrize("kind", [ReportKind.MANIFEST, ReportKind.FLEET_INSPECTION])
def test_every_section_of_convoy_26s_documents_holds_records(kind):  # §13
    found = chapters(kind)
    expected = {
        ReportKind.MANIFEST: 8,
        ReportKind.FLEET_INSPECTION: 6,
    }[kind]
    assert len(found) == expected
    assert [name for name, html in found.items() if not with_records(html)] == []


def test_the_manifests_deficiencies_and_export_log_are_not_empty():  # R36, R56
    found = chapters(ReportKind.MANIFEST)
    assert "Responsible role" in found["deficiencies"]  # as weighed when Held in Port
    assert "<td>Fleet Inspection Report</td><td>v1</td>" in found["export-log"]


def test_the_demo_renders_each_document_and_the_auditor_reads_the_manifest():  # R46, R56
    renderings = ReportRendering.objects.filter(convoy__number=26)
    assert set(renderings.values_list("kind", flat=True)) == set(ReportKind.values)
    assert all(r.pages >= 1 for r in renderings)
    assert renderings.get(kind=ReportKind.MANIFEST).pages > 1
    download = ReportDownload.objects.get()
    assert download.downloaded_by.username == "auditor"
    commended = Commendation.objects.filter(inspection__convoy__number=26).first()
    assert renderings.get(kind=ReportKind.COMMENDATION).feature == commended.feature
