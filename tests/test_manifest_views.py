"""The Manifest pages: the Manifest, an item's page and filing form, signing, downloads
(§6, R36, R37, R4)."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.manifest import file_document, sign_document
from convoy.models import DocumentKind, Feature, ManifestDocument, Role
from tests.factories import person

K = DocumentKind
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56

MANIFEST_URL = reverse("convoy:manifest", args=[1])
SPEC_URL = reverse("convoy:manifest_feature_item", args=[1, 1, "feature-specification"])
STAMP_URL = reverse("convoy:manifest_convoy_item", args=[1, "commodore-approval-stamp"])
FEATURE_URL = reverse("convoy:feature_detail", args=[1, 1])


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def crew(world):
    world.cset = person("cset.ito", Role.CSET)
    world.outsider = person("visitor")  # signed in, no role anywhere
    world.f1 = world.feature(1, name="Ledger Sync")
    return world


def sign_url(document):
    return reverse("convoy:manifest_document_sign", args=[1, document.pk])


def download_url(document):
    return reverse("convoy:manifest_document_download", args=[1, document.pk])


def filed_pdf(world, name="Spec.pdf"):
    return file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=world.f1,
        kind=K.FEATURE_SPECIFICATION,
        upload=SimpleUploadedFile(name, PDF_BYTES),
    )


def pdf(name="spec.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form(**fields):
    return {"body": "", "standards_version": "14.2"} | fields


def deficiency_count(page: str) -> int:
    return int(re.search(r'data-testid="deficiency-count">(\d+)<', page).group(1))


# Access -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, crew):
    document = filed_pdf(crew)
    responses = [
        client.get(url) for url in (MANIFEST_URL, SPEC_URL, STAMP_URL, download_url(document))
    ]
    responses += [
        client.post(SPEC_URL, form(body="Specified.")),
        client.post(STAMP_URL, form(body="Stamped.")),
        client.post(sign_url(document)),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ManifestDocument.objects.count() == 1


def test_a_person_without_a_role_in_the_convoy_reads_nothing(client, crew):  # R4
    document = filed_pdf(crew)
    client.force_login(crew.outsider)
    for url in (MANIFEST_URL, SPEC_URL, STAMP_URL, download_url(document)):
        response = client.get(url)
        assert response.status_code == 403
        assert "requires a role in CONVOY-1 or a standing role" in response.content.decode()


def test_a_feature_captain_of_another_convoy_reads_nothing(client, crew):  # R4
    other = create_convoy(
        actor=crew.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=crew.commodore,
    )
    captain = person("fc.elsewhere", Role.FEATURE_CAPTAIN, convoy=other)
    client.force_login(captain)
    assert client.get(download_url(filed_pdf(crew))).status_code == 403


@pytest.mark.parametrize("who", ["auditor", "engineer", "qa", "other_captain"])
def test_roles_of_the_convoy_and_standing_roles_read_the_manifest(client, crew, who):
    client.force_login(getattr(crew, who))
    assert client.get(MANIFEST_URL).status_code == 200
    assert client.get(SPEC_URL).status_code == 200


def test_the_manifest_answers_get_only(client, crew):
    client.force_login(crew.commodore)
    assert client.post(MANIFEST_URL).status_code == 405


def test_an_item_page_answers_get_and_post_only(client, crew):
    client.force_login(crew.captain)
    assert client.delete(SPEC_URL).status_code == 405
    assert client.delete(STAMP_URL).status_code == 405


def test_signing_answers_post_only(client, crew):
    client.force_login(crew.captain)
    assert client.get(sign_url(filed_pdf(crew))).status_code == 405


def test_a_download_answers_get_only(client, crew):
    client.force_login(crew.captain)
    assert client.post(download_url(filed_pdf(crew))).status_code == 405


@pytest.mark.parametrize("who", ["engineer", "auditor", "other_captain", "qa"])
def test_only_the_features_captain_or_the_commodore_files(client, crew, who):  # R4
    client.force_login(getattr(crew, who))
    assert "File the Feature Specification" not in client.get(SPEC_URL).content.decode()
    response = client.post(SPEC_URL, form(body="Specified."))
    assert response.status_code == 403
    assert not ManifestDocument.objects.exists()


@pytest.mark.parametrize("who", ["captain", "qa", "auditor"])
def test_only_the_commodore_files_the_stamp(client, crew, who):  # R4
    client.force_login(getattr(crew, who))
    assert client.post(STAMP_URL, form(body="Stamped.")).status_code == 403
    assert not ManifestDocument.objects.exists()


@pytest.mark.parametrize("who", ["engineer", "auditor", "other_captain", "commodore"])
def test_only_the_features_captain_signs_its_specification(client, crew, who):  # R4
    document = filed_pdf(crew)
    client.force_login(getattr(crew, who))
    assert client.post(sign_url(document)).status_code == 403
    document.refresh_from_db()
    assert document.signed_by is None


def test_an_unknown_item_is_not_found(client, crew):
    client.force_login(crew.captain)
    url = reverse("convoy:manifest_feature_item", args=[1, 1, "commodore-approval-stamp"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("convoy:manifest_convoy_item", args=[1, "nonsense"])).status_code == (
        404
    )


# Filing -------------------------------------------------------------------------------------------


def test_the_captain_files_and_signs_a_written_document(client, crew):  # §6
    client.force_login(crew.captain)
    response = client.post(SPEC_URL, form(body="Specified.", sign="on"))
    assert response.status_code == 302
    assert response["Location"] == FEATURE_URL + "#manifest"
    document = ManifestDocument.objects.get()
    assert (document.body, document.signed_by, document.signature_verified) == (
        "Specified.",
        crew.captain,
        True,
    )


def test_the_captain_uploads_a_document(client, crew):  # §6
    client.force_login(crew.captain)
    client.post(SPEC_URL, form(upload=pdf("Spec final.pdf")))
    document = ManifestDocument.objects.get()
    assert (document.original_filename, document.content_type) == (
        "Spec final.pdf",
        "application/pdf",
    )


def test_the_sign_box_is_offered_only_to_who_may_sign(client, crew):
    client.force_login(crew.captain)
    assert "Sign this version as Feature Captain" in client.get(SPEC_URL).content.decode()
    client.force_login(crew.commodore)
    page = client.get(SPEC_URL).content.decode()
    assert "File the Feature Specification" in page
    assert "Sign this version" not in page


def test_a_form_posted_twice_files_one_version(client, crew):  # §6
    client.force_login(crew.captain)
    first = client.post(SPEC_URL, form(upload=pdf()))
    second = client.post(SPEC_URL, form(upload=pdf()))
    assert first.status_code == second.status_code == 302
    assert ManifestDocument.objects.count() == 1


def test_an_upload_over_the_limit_is_refused_beside_the_field(client, crew, settings):  # R37
    settings.SADMF_MAX_UPLOAD_BYTES = 2048
    client.force_login(crew.captain)
    response = client.post(SPEC_URL, form(upload=pdf(content=PDF_BYTES + b"0" * 4096)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "the Manifest accepts files of at most 2.0 KB (2,048 bytes)" in page
    assert 'id="id_upload_error"' in page
    assert not ManifestDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("spec.pdf", ELF_BYTES, "named as a PDF document, but its content is an executable"),
        (
            "spec.pdf",
            b"<html><script>alert(1)</script></html>",
            "its content is an HTML or XML document",
        ),
        ("notes.txt", b"Minutes \xc3\x28 of the SOS", "its content is not valid UTF-8 text"),
    ],
)
def test_content_of_another_type_is_refused(client, crew, name, content, says):  # R37
    client.force_login(crew.captain)
    response = client.post(SPEC_URL, form(upload=pdf(name, content)))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not ManifestDocument.objects.exists()


def test_a_100k_character_document_is_refused_with_the_limit(client, crew):  # R37
    client.force_login(crew.captain)
    response = client.post(SPEC_URL, form(body="x" * 100_000))
    assert response.status_code == 400
    assert "may be at most 50,000 characters long; this one has 100,000" in (
        response.content.decode()
    )
    assert not ManifestDocument.objects.exists()


def test_a_document_neither_written_nor_uploaded_is_refused(client, crew):
    client.force_login(crew.captain)
    response = client.post(SPEC_URL, form())
    assert response.status_code == 400
    assert "Write the document or upload its file." in response.content.decode()


def test_a_document_under_14_1_is_filed_and_listed_as_a_formatting_deficiency(client, crew):
    client.force_login(crew.captain)  # R37
    client.post(SPEC_URL, form(body="Specified.", standards_version="14.1", sign="on"))
    page = client.get(SPEC_URL).content.decode()
    assert "follows the SADMF Document Standards Guide v14.1, not v14.2" in page


def test_markup_in_a_written_document_is_shown_escaped(client, crew):
    client.force_login(crew.captain)
    client.post(SPEC_URL, form(body='<script>alert("x")</script><img src=x onerror=alert(1)>'))
    page = client.get(SPEC_URL).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_markup_in_a_file_name_is_shown_escaped(client, crew):
    filed_pdf(crew, name="<img src=x onerror=alert(1)>.pdf")
    client.force_login(crew.captain)
    for url in (SPEC_URL, FEATURE_URL):
        page = client.get(url).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page
        assert "<img src=x" not in page


# Signing ------------------------------------------------------------------------------------------


def test_the_cset_signs_the_code_inspection_report(client, crew):  # §6
    document = file_document(
        actor=crew.captain,
        convoy=crew.convoy,
        feature=crew.f1,
        kind=K.CODE_INSPECTION_REPORT,
        body="47 of 47 items pass.",
    )
    client.force_login(crew.cset)
    response = client.post(sign_url(document), follow=True)
    assert "signed as Code Standards Enforcement Team. The signature is verified." in (
        response.content.decode()
    )
    document.refresh_from_db()
    assert document.signed_by == crew.cset


def test_a_verified_signature_is_not_signed_again(client, crew):  # R59
    document = sign_document(actor=crew.captain, document=filed_pdf(crew))
    client.force_login(crew.captain)
    page = client.post(sign_url(document), follow=True).content.decode()
    assert "A signed record is final; a correction is a new version." in page


# Downloads ----------------------------------------------------------------------------------------


def test_a_download_is_an_attachment_of_the_stored_type(client, crew):  # §6
    document = filed_pdf(crew, name="Spec final.pdf")
    client.force_login(crew.auditor)
    response = client.get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Spec final.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_a_written_document_downloads_as_text(client, crew):
    document = file_document(
        actor=crew.captain,
        convoy=crew.convoy,
        feature=crew.f1,
        kind=K.SOS_MINUTES,
        body="<b>Minutes</b>",
    )
    client.force_login(crew.engineer)
    response = client.get(download_url(document))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="CONVOY-1-F001-sos-minutes-v1.txt"'
    )
    assert response.content == b"<b>Minutes</b>"


def test_a_stored_file_is_not_reachable_by_its_path(client, crew):
    document = filed_pdf(crew)
    client.force_login(crew.captain)
    for path in (f"/{document.file.name}", f"/media/{document.file.name}"):
        assert client.get(path).status_code == 404


def test_a_document_of_another_convoy_number_is_not_found(client, crew):
    document = filed_pdf(crew)
    client.force_login(crew.captain)
    url = reverse("convoy:manifest_document_download", args=[2, document.pk])
    assert client.get(url).status_code == 404


# Pages --------------------------------------------------------------------------------------------


def test_the_feature_page_shows_the_section_and_its_deficiency_count(client, crew):  # R36
    client.force_login(crew.captain)
    page = client.get(FEATURE_URL).content.decode()
    assert deficiency_count(page) == 9
    file_document(
        actor=crew.captain,
        convoy=crew.convoy,
        feature=crew.f1,
        kind=K.FEATURE_SPECIFICATION,
        body="Specified.",
        sign=True,
    )
    assert deficiency_count(client.get(FEATURE_URL).content.decode()) == 8


def test_the_manifest_groups_deficiencies_by_responsible_role(client, crew):  # R36
    file_document(
        actor=crew.captain,
        convoy=crew.convoy,
        feature=crew.f1,
        kind=K.CODE_INSPECTION_REPORT,
        body="Inspected.",
    )
    client.force_login(crew.auditor)
    page = client.get(MANIFEST_URL).content.decode()
    assert deficiency_count(page) == 14
    cset = page[page.index('id="role-cset"') :]
    cset = cset[: cset.index("</table>")]
    assert "Code Inspection Report v1 of F001 awaits the signature of the Code Standards" in cset
    assert "CSET code review completion certificates of CONVOY-1 is not on file" in cset


def test_the_manifest_shows_the_inventory_and_every_section(client, crew):  # §6
    crew.feature(2, name="Audit Beacon", captain=crew.other_captain, estimated_sp=8)
    Feature.objects.filter(pk=crew.f1.pk).update(estimated_sp=5, actual_sp=7)
    client.force_login(crew.commodore)
    page = client.get(MANIFEST_URL).content.decode()
    assert 'id="section-F001"' in page and 'id="section-F002"' in page
    assert '<td class="num">13</td><td class="num">7</td>' in re.sub(r">\s+<", "><", page)
    assert page.count("Dependency Attestation Form</a>") == 2


def test_an_empty_convoy_manifest_says_so(client, world):
    client.force_login(world.commodore)
    page = client.get(MANIFEST_URL).content.decode()
    assert "No features are registered in CONVOY-1." in page


def _add_features(world, first, count):
    now = clock.now()
    Feature.objects.bulk_create(
        Feature(
            convoy=world.convoy, number=n, name=f"Beacon {n}", captain=world.captain, created_at=now
        )
        for n in range(first, first + count)
    )


@pytest.mark.usefixtures("uncached_pages")
def test_the_manifest_page_takes_as_many_queries_for_300_features_as_for_3(
    client, crew, django_assert_max_num_queries
):  # R36
    sign_document(actor=crew.captain, document=filed_pdf(crew))
    _add_features(crew, 2, 2)
    client.force_login(crew.auditor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(MANIFEST_URL).status_code == 200
    _add_features(crew, 4, 297)
    with django_assert_max_num_queries(len(few)):
        page = client.get(MANIFEST_URL + "?page=12").content.decode()
    assert 'id="section-F300"' in page


@pytest.mark.usefixtures("uncached_pages")
def test_the_manifest_page_takes_as_many_queries_for_the_demo_as_for_a_2000_change_convoy(
    client, db
):  # R36
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from convoy.models import Change, Convoy

    quiet = io.StringIO()
    call_command("load_demo", stdout=quiet)
    call_command("load_demo", scale=2000, stdout=quiet)
    # The workshop clock's offset is cached for 2 s; re-reading it would add a query at random.
    clock.travel_to(clock.now())
    client.force_login(get_user_model().objects.get(username="auditor"))
    # CONVOY-26, like the stress convoy, is not the current Convoy, whose roles the navigation
    # reads anyway (a reading of the current Convoy's own page shares that query).
    demo = Convoy.objects.get(number=26)
    stress = Convoy.objects.order_by("-year", "-quarter").first()
    assert Change.objects.filter(feature__convoy=stress).count() == 2000

    def queries(convoy) -> int:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("convoy:manifest", args=[convoy.number]))
        assert page.status_code == 200
        assert convoy.features.first().code in page.content.decode()
        return len(captured)

    queries(demo)  # warm the process-wide caches (content types, the clock) once
    assert queries(demo) == queries(stress)
