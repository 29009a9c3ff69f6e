"""The permission matrix: every URL × every role of DOMAIN.md §1 plus anonymous, GET and POST
(R1, R4, §1). The expected outcomes are data in tests/permission_matrix.py; this module walks
the URL resolver, so a URL added without a row fails `test_every_url_has_a_row`.

The world is the demo organisation (`manage.py load_demo`: one named person in every role,
CONVOY-26 closed after its whole voyage, CONVOY-27 in Code Inspection) built once for the
module inside a transaction rolled back at the end, plus the few records the demo does not
hold (a workbook export and its job, a rendering job, a PCR, an Emergency Authorization, an
Emergency Sail request), so that every URL's kwargs resolve to a real object. Each request
runs in its own savepoint, rolled back before the next, so no cell changes a later one.

Set PERMISSION_MATRIX_RECORD=<file> to write the observed outcomes as a table instead of
checking them (for a new URL's row; review every cell before pasting it).
"""

import io
import os
import re
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from convoy import clock
from convoy.ceremonies.exports import export_workbook, request_export
from convoy.ceremonies.manifest import file_document
from convoy.ceremonies.reports import request_report
from convoy.demo import DEMO_NOW
from convoy.models import (
    FEATURE_DOCUMENT_KINDS,
    AgendaSubmission,
    AttributionAppeal,
    AuditEvent,
    Change,
    Commitment,
    Convoy,
    Defect,
    DefectAttribution,
    DeploymentRequest,
    DocumentKind,
    EmergencyAuthorization,
    EmergencySailRequest,
    ExportJob,
    FeaturePresentation,
    ManifestApproval,
    ManifestDocument,
    NameSubmission,
    Oath,
    PriorityChangeRequest,
    ReportJob,
    ReportKind,
    ReportRendering,
    TribunalCase,
    WorkbookExport,
)
from tests.permission_matrix import (
    MATRIX,
    NO_CHANGE_ROLES,
    OUTCOMES,
    PEOPLE,
    ROLES,
    expected,
    post_body,
)

pytestmark = [pytest.mark.django_db]

User = get_user_model()
SIGN_OUT = ("/signout/", "/admin/logout/")  # the sign-out buttons mutate nothing of ours
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>", re.IGNORECASE)
ACTION = re.compile(r"\baction=[\"']([^\"']*)[\"']", re.IGNORECASE)


def url_names() -> list[str]:
    """Every named URL the project serves; of the admin site only its index."""
    names: list[str] = []

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    names.append("admin:index")
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.append(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return names


def _extra_records(convoy26: Convoy, convoy27: Convoy) -> None:
    """The records the demo does not hold, made by their ceremonies where one exists."""
    commodore = convoy26.commodore
    export_workbook(actor=commodore, convoy=convoy26)
    request_export(actor=commodore, convoy=convoy26)
    request_report(actor=commodore, convoy=convoy26, kind=ReportKind.MANIFEST)
    feature = convoy27.features.order_by("number").first()
    PriorityChangeRequest.objects.create(
        convoy=convoy27, feature=feature, feature_name=feature.name,
        feature_captain_name="Fc Okafor", current_priority=3, proposed_priority=1,
        feature_team_size=1, justification="word " * 2000, counter_justification="word " * 2001,
        justification_words=2000, counter_justification_words=2001, filed_by=feature.captain,
        filed_at=clock.now(),
    )  # fmt: skip
    change = Change.objects.filter(feature__convoy=convoy27).order_by("pk").first()
    EmergencyAuthorization.objects.create(
        change=change, declared_by=change.author, declared_at=clock.now(),
        justification="The ledger is on fire.", risk_exposure_summary="word " * 800,
        remediation_plan="Document everything afterwards.",
        documentation_due=clock.today(),
    )  # fmt: skip
    EmergencySailRequest.objects.create(convoy=convoy27, filed_by=commodore, filed_at=clock.now())
    earb = User.objects.get(username=PEOPLE["earb"])
    file_document(
        actor=earb, convoy=convoy27, kind=DocumentKind.EARB_NAMING_ATTESTATION, body="Filed."
    )  # unsigned, so that signing it is a real permission check (R4)


def _kwargs_table() -> dict[str, dict]:
    """URL kwargs resolving to real records, per URL name (the rest take CONVOY-27)."""
    c27 = Convoy.objects.get(number=27)
    feature = c27.features.order_by("number").first()
    change = Change.objects.filter(feature__convoy=c27).order_by("pk").first()
    agenda = AgendaSubmission.objects.order_by("-pk").first()
    oath = Oath.objects.order_by("-pk").first()
    sitting = ManifestApproval.objects.order_by("-pk").first()
    document = ManifestDocument.objects.get(convoy=c27, signed_by__isnull=True)
    names = NameSubmission.objects.select_related("feature__convoy").order_by("-pk").first()
    pcr = PriorityChangeRequest.objects.get()
    sail = EmergencySailRequest.objects.get()
    rendering = ReportRendering.objects.filter(kind=ReportKind.MANIFEST).latest("version")
    export_job = ExportJob.objects.get()
    report_job = ReportJob.objects.get()
    workbook = WorkbookExport.objects.get()
    commitment = Commitment.objects.select_related("cycle").order_by("pk").first()
    cycle = {"year": commitment.cycle.year, "quarter": commitment.cycle.quarter}
    n27 = {"number": 27}
    f27 = {"number": 27, "feature": feature.number}
    job = {"number": export_job.convoy.number, "job": export_job.pk}
    rjob = {"number": report_job.convoy.number, "job": report_job.pk}
    defect = Defect.objects.order_by("pk").first()
    sit = {"number": sitting.convoy.number, "pk": sitting.pk}
    esr = {"number": 27, "pk": sail.pk}
    return {
        "number": n27,
        "number26": {"number": 26},
        "feature": f27,
        "cycle": cycle,
        "commitment": {**cycle, "pk": commitment.pk},
        "change": {"pk": change.pk},
        "convening": {"pk": agenda.convening_id},
        "convening_change": {"pk": agenda.convening_id, "change": agenda.change_id},
        "oath_supplicant": {"pk": oath.convening_id, "supplicant": oath.supplicant_id},
        "emergency": {"pk": EmergencyAuthorization.objects.get().pk},
        "oath": {"pk": oath.pk},
        "pcr": {"number": 27, "pcr": pcr.pk},
        "name_submission": {
            "number": names.feature.convoy.number,
            "feature": names.feature.number,
            "submission": names.pk,
        },
        "manifest_convoy_kind": {"number": 27, "kind": "earb-naming-attestation"},
        "manifest_feature_kind": {
            **f27,
            "kind": FEATURE_DOCUMENT_KINDS[0].lower().replace("_", "-"),
        },
        "document": {"number": document.convoy.number, "pk": document.pk},
        "engineer": {"number": 27, "username": change.author.username},
        "export_job": job,
        "export_version": {"number": workbook.convoy.number, "version": workbook.version},
        "deployment_request": {"number": 26, "pk": DeploymentRequest.objects.get().pk},
        "presentation": {"number": 26, "presentation": FeaturePresentation.objects.first().pk},
        "defect": {"number": defect.convoy.number, "pk": defect.pk},
        "case": {"pk": TribunalCase.objects.order_by("pk").first().pk},
        "attribution": {"pk": DefectAttribution.objects.order_by("pk").first().pk},
        "appeal": {"pk": AttributionAppeal.objects.get().pk},
        "sitting": sit,
        "sail": esr,
        "report_job": rjob,
        "rendering": {
            "number": rendering.convoy.number,
            "kind": rendering.kind,
            "version": rendering.version,
        },
    }


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo plus the extra records, the people per role and the kwargs per URL."""
    quiet = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SADMF_EXPORT_ROOT=tmp_path_factory.mktemp("matrix-exports"),
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
    )
    with django_db_blocker.unblock(), quiet, transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        clock.travel_to(DEMO_NOW)
        _extra_records(Convoy.objects.get(number=26), Convoy.objects.get(number=27))
        yield {"clients": _signed_in_clients(), "kwargs": _kwargs_table()}
        clock.reset()
        transaction.set_rollback(True)


def _signed_in_clients() -> dict[str, tuple[Client, str]]:
    """One client per role, signed in once (a client builds the middleware chain once)."""
    clients = {"anonymous": (Client(raise_request_exception=False), "")}
    for role, username in PEOPLE.items():
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        clients[role] = (client, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return clients


def classify(response, method: str) -> str:
    """The outcome of one request, in the vocabulary of tests/permission_matrix.py."""
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        if location.startswith(("/signin/", "/admin/login/")):
            return "signin"
        return "allowed" if method == "POST" else "redirect"
    if status in (403, 405, 500):
        return str(status)
    if method == "GET" and status == 200:
        return "allowed" if _mutating_forms(response) else "read"
    if method == "GET":
        return str(status)
    return "allowed"  # form errors, a redirect, a 4xx business refusal: past the check


def _mutating_forms(response) -> bool:
    if response.get("Content-Type", "").split(";")[0] != "text/html":
        return False
    page = response.content.decode(errors="replace")
    for form in POST_FORM.findall(page):
        action = ACTION.search(form)
        if action is None or not action.group(1).startswith(SIGN_OUT):
            return True
    return False


def observe(world: dict, name: str, url: str, role: str, method: str) -> tuple[str, int]:
    """One request in its own savepoint; returns the outcome and the AuditEvents it added."""
    client, session = world["clients"][role]
    # Only the session of the sign-in: no cookie a previous cell set (messages, sign-out).
    client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: session} if session else {})
    with transaction.atomic():
        before = AuditEvent.objects.count()
        clock.travel_to(DEMO_NOW)
        response = client.get(url) if method == "GET" else client.post(url, post_body(name, role))
        added = AuditEvent.objects.count() - before
        transaction.set_rollback(True)
    return classify(response, method), added


def url_for(world: dict, name: str) -> str:
    kind = MATRIX[name]["kwargs"]
    return reverse(name, kwargs=world["kwargs"][kind] if kind else None)


def test_every_url_has_a_row():  # §1, R4
    served = set(url_names())
    missing = sorted(served - MATRIX.keys())
    stale = sorted(MATRIX.keys() - served)
    assert not missing, f"URLs without a row in tests/permission_matrix.py: {missing}"
    assert not stale, f"Rows for URLs that no longer exist: {stale}"


def test_every_row_names_every_role_with_a_known_outcome():  # §1
    for name in MATRIX:
        for method in ("GET", "POST"):
            for role in ROLES:
                assert expected(name, method, role) in OUTCOMES, (name, method, role)


RECORD = os.environ.get("PERMISSION_MATRIX_RECORD")
_recorded: dict[str, dict[str, dict[str, str]]] = {}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(matrix_world, name):  # R1, R4, §1 (Auditor and RBRB: no mutation)
    url = url_for(matrix_world, name)
    wrong, mutated = [], []
    for method in ("GET", "POST"):
        for role in ROLES:
            outcome, added = observe(matrix_world, name, url, role, method)
            _recorded.setdefault(name, {}).setdefault(method, {})[role] = outcome
            if outcome != expected(name, method, role):
                wrong.append(
                    f"{method} {role}: expected {expected(name, method, role)}, got {outcome}"
                )
            if method == "POST" and role in NO_CHANGE_ROLES and added:
                mutated.append(f"POST {role} added {added} audit events")
    if RECORD:
        with open(RECORD, "a", encoding="utf-8") as out:
            out.write(f"{name}\t{_recorded[name]!r}\t{mutated!r}\n")
        return
    assert not mutated, f"{url}: {mutated}"
    assert not wrong, f"{url}:\n" + "\n".join(wrong)
