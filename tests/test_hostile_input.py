"""The hostile input sweep (issue 10; R1, R4, R55, R57–R59).

Every form of a POST view is submitted, as the role that may use it, with hostile values for
each of its fields: markup, spreadsheet formula prefixes, 100k characters, NUL and other control
characters, numbers out of range, dates at the ends of the calendar, invalid UTF-8 uploads and a
duplicated submission. Each submission must:

- never answer 500;
- either be refused with a visible error and leave every table (and the audit trail) as it was,
  or be recorded and shown escaped on the page it redirects to;
- never take a value that is none of a field's choices as another choice (or as none);
- leave the audit chain verifiable (`verify_audit`).

Each submission runs in a savepoint that is rolled back, so every field meets the same records.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from convoy.models import AuditEvent, ConvoyState, Role, Signal
from tests.factories import person

MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
RAW_MARKUP = ["<script>alert(1)</script>", "<img src=x onerror"]
LONG = "x" * 100_000
HOSTILE: dict[str, dict[str, list[str]]] = {
    "markup": {"text": MARKUP},
    "formula": {"text": ["=1+1", "@SUM(A1)", "+1", "-1"]},
    "long": {
        kind: [LONG]
        for kind in ("text", "int", "decimal", "choice", "date", "datetime", "bool", "multi")
    }
    | {"int": [LONG, "9" * 100_000], "decimal": [LONG, "9" * 100_000]},
    "control": {
        "text": ["a\x00b", "\x00", "red\x1b[31m", "\u202egnp.exe", "tab\tbell\x07"],
        **{k: ["1\x00"] for k in ("int", "decimal", "choice", "date", "datetime", "multi")},
    },
    "numbers": {
        # 3e9 overflows PostgreSQL's integer, 10**30 SQLite's.
        "int": ["-1", "3000000000", str(10**30), "-" + str(10**30), "1e308"],
        "decimal": ["-1", str(10**30), "NaN", "Infinity"],
        "choice": ["-1", str(10**30)],
        "multi": ["-1", str(10**30)],
    },
    "dates": {
        "date": ["0001-01-01", "9999-12-31", "2027-02-30", "1900-01-01", "2999-12-31"],
        "datetime": ["0001-01-01 00:00", "9999-12-31 23:59"],
    },
}
BAD_UPLOADS = [
    ("notes.txt", b"\xff\xfe\xfa\xc3\x28 invalid utf-8 \x00"),
    ("<script>alert(1)</script>.pdf", b"%PDF-1.4\n\xff\xfe\x00garbage"),
    ("=1+1.docx", b"PK\x03\x04\xff\xff\xff"),
    ("nul\x00name.txt", b"\x00\x01\x02\x1b\xff"),
]
ERROR_MARK = re.compile(r'role="alert"|errorlist|errornote|class="message error')
SUCCESS_MARK = re.compile(r'class="message success')


@dataclass
class Submission:
    user: object
    url: str
    data: dict
    shown: str = ""  # a page that displays what was recorded (else the redirect target)
    prefix: str = ""  # the form's prefix: a field's name in the POST is prefix + name


@dataclass
class FormCase:
    name: str
    setup: Callable[[object], Submission]
    fields: dict[str, str]
    files: list[str] = field(default_factory=list)
    unstored: tuple[str, ...] = ()  # fields read but never kept, e.g. a redirect's `next`


# Setups: each returns the role, the URL and a valid submission ---------------------------


def _feature_fields(world) -> dict:
    return {
        "name": "Ledger Sync",
        "acronym": "LS",
        "captain": world.captain.pk,
        "team": [world.engineer.pk],
        "estimated_sp": 10,
        "cost_of_delay": 5,
        "political_capital_base": 1,
        "executive_visibility": 5,
        "acronym_quality": 3,
        "sponsor_name": "Dana Reyes",
        "sponsor_seniority": 2,
        "sponsor_office_distance_m": 40,
    }


FEATURE_KINDS = {
    "name": "text",
    "acronym": "text",
    "sponsor_name": "text",
    "captain": "choice",
    "team": "multi",
    **dict.fromkeys(
        [
            "estimated_sp",
            "cost_of_delay",
            "political_capital_base",
            "executive_visibility",
            "acronym_quality",
            "sponsor_seniority",
            "sponsor_office_distance_m",
        ],
        "int",
    ),
    "sponsor_attended_alignment": "bool",
}


def _n(world) -> int:
    return world.convoy.number


def feature_register(world) -> Submission:
    url = reverse("convoy:feature_register", args=[_n(world)])
    return Submission(world.captain, url, _feature_fields(world))


def feature_edit(world) -> Submission:
    feature = world.feature(1)
    url = reverse("convoy:feature_edit", args=[_n(world), feature.number])
    return Submission(world.captain, url, _feature_fields(world))


def feature_status(world) -> Submission:
    feature = world.feature(1)
    url = reverse("convoy:feature_status", args=[_n(world), feature.number])
    return Submission(world.captain, url, {"signal": Signal.GREEN, "summary": "On course."})


def task_add(world) -> Submission:
    feature = world.feature(1)
    url = reverse("convoy:task_add", args=[_n(world), feature.number])
    return Submission(world.captain, url, {"title": "Write the migration", "hours": "3.5"})


def capacity(world) -> Submission:
    world.feature(1)
    url = reverse("convoy:capacity", args=[_n(world)])
    return Submission(world.commodore, url, {"capacity_person_days": "120.5"})


def priority(world) -> Submission:
    world.feature(1)
    world.feature(2)
    cso = person("cso.vale", Role.CSO)
    url = reverse("convoy:priority", args=[_n(world)])
    return Submission(world.commodore, url, {"witness": cso.pk})


def book_of_names(world) -> Submission:
    earb = person("earb.hale", Role.EARB)
    return Submission(earb, reverse("convoy:book_of_names"), {"word": "harbour"})


def cycle_open(world) -> Submission:
    return Submission(world.admiral, reverse("convoy:commitment"), {"year": 2027, "quarter": 2})


def commitment_add(world) -> Submission:
    from convoy.ceremonies.commitment import open_planning_cycle

    cycle = open_planning_cycle(actor=world.admiral, year=2027, quarter=1)
    url = reverse("convoy:commitment_add", args=[cycle.year, cycle.quarter])
    return Submission(world.admiral, url, {"name": "Harbour Gate", "target": "2027-2"})


def change_record(world) -> Submission:
    feature = world.feature(1)
    data = {"feature": feature.pk, "title": "Reconcile ledgers", "summary": "Nightly."}
    return Submission(world.engineer, reverse("convoy:change_record"), data)


def change_assessment(world) -> Submission:
    from convoy.ceremonies.changes import record_change
    from convoy.models import RiskCategory

    change = record_change(actor=world.engineer, feature=world.feature(1), title="Reconcile")
    data = {
        "business_justification": "The ledgers drift.",
        "technical_approach": "A nightly job.",
        "files_affected": "ledger/sync.py",
        "estimated_lines_added": 40,
        "estimated_lines_removed": 4,
        "impact_on_other_features": "None known.",
    } | {f"rating_{c.value}": 2 for c in RiskCategory}
    url = reverse("convoy:change_assessment", args=[change.pk])
    return Submission(world.engineer, url, data)


def _cia_kinds() -> dict:
    from convoy.models import RiskCategory

    texts = [
        "business_justification",
        "technical_approach",
        "files_affected",
        "impact_on_other_features",
    ]
    return (
        dict.fromkeys(texts, "text")
        | dict.fromkeys(["estimated_lines_added", "estimated_lines_removed"], "int")
        | {f"rating_{c.value}": "choice" for c in RiskCategory}
    )


def emergency_declare(world) -> Submission:
    from convoy.ceremonies.changes import record_change
    from convoy.models import ChangeState

    change = record_change(actor=world.engineer, feature=world.feature(1), title="Hotfix")
    change.state = ChangeState.SIGNATURES
    change.save(update_fields=["state"])
    data = {
        "justification": "The ledgers are on fire.",
        "risk_exposure_summary": "risk " * 820,
        "remediation_plan": "Document everything afterwards.",
        "documentation_due": "2027-01-07",
    }
    return Submission(world.engineer, reverse("convoy:emergency_declare", args=[change.pk]), data)


def deployment_request(world) -> Submission:
    from tests.voyage_records import accepted_change

    accepted_change(world, world.feature(1))
    world.convoy.state = ConvoyState.MANIFEST_APPROVAL
    world.convoy.save(update_fields=["state"])
    url = reverse("convoy:deployment_request", args=[_n(world)])
    shown = reverse("convoy:deployment", args=[_n(world)])
    return Submission(world.captain, url, {"summary": "Deploy the accepted Changes."}, shown)


def _sailed(world):
    from convoy import clock
    from convoy.models import Deployment
    from tests.voyage_records import accepted_change

    accepted_change(world, world.feature(1))
    world.convoy.state = ConvoyState.SAILED
    world.convoy.save(update_fields=["state"])
    Deployment.objects.create(
        convoy=world.convoy,
        deployed_by=world.commodore,
        deployed_at=clock.now(),
        changes_deployed=1,
    )


def deployment_yield(world) -> Submission:
    _sailed(world)
    url = reverse("convoy:deployment_yield", args=[_n(world)])
    shown = reverse("convoy:deployment", args=[_n(world)])
    return Submission(world.commodore, url, {"results": "All Changes deployed."}, shown)


def _inspection(world):
    from convoy.ceremonies.deployment import yield_results
    from convoy.ceremonies.fleet_inspection import open_fleet_inspection

    _sailed(world)
    from convoy.models import FeatureStatus

    world.convoy.features.update(status=FeatureStatus.SHIPPED)
    yield_results(actor=world.commodore, convoy=world.convoy, results="Deployed.")
    inspection = open_fleet_inspection(actor=world.commodore, convoy=world.convoy)
    world.convoy.state = ConvoyState.FLEET_INSPECTION
    world.convoy.save(update_fields=["state"])
    return inspection


def fleet_present(world) -> Submission:
    from convoy.models import REQUIRED_SLIDES

    _inspection(world)
    feature = world.convoy.features.get(number=1)
    data = {
        "feature": feature.pk,
        "slot_start": "2027-01-04 10:00",
        "duration_minutes": 45,
        "slide_count": 31,
        "lessons": "Start the documentation earlier.",
    } | dict.fromkeys(REQUIRED_SLIDES, "on")
    url = reverse("convoy:fleet_present", args=[_n(world)])
    shown = reverse("convoy:fleet_inspection", args=[_n(world)])
    return Submission(world.captain, url, data, shown)


def fleet_video(world) -> Submission:
    _inspection(world)
    douche = person("douche.park", Role.DOUCHE)
    feature = world.convoy.features.get(number=1)
    url = reverse("convoy:fleet_video", args=[_n(world)])
    shown = reverse("convoy:fleet_inspection", args=[_n(world)])
    return Submission(douche, url, {"feature": feature.pk, "title": "Demo reel"}, shown)


def defect_report(world) -> Submission:
    from convoy.models import DefectTier, RootCause

    _sailed(world)
    data = {
        "title": "Ledger off by one",
        "description": "Totals differ by a cent.",
        "tier": DefectTier.values[0],
        "root_cause": RootCause.values[0],
        "explanation": "A rounding mode.",
        "changes": [world.convoy.features.get(number=1).changes.first().pk],
    }
    url = reverse("convoy:defect_report", args=[_n(world)])
    return Submission(world.commodore, url, data, reverse("convoy:dry_dock", args=[_n(world)]))


def approval_absence(world) -> Submission:
    url = reverse("convoy:approval_absence", args=[_n(world)])
    data = {"absent_on": world.convoy.sailing_date.isoformat(), "reason": "A wedding."}
    return Submission(world.captain, url, data)


def emergency_sail_new(world) -> Submission:
    from convoy.models import RiskCategory

    data = {
        "justification_narrative": "urgent " * 3_010,
        "remediation_plan": "File the paperwork.",
        "remediation_business_days": 5,
    } | {f"{a}_{c.value}": "3" for c in RiskCategory for a in ("likelihood", "impact")}
    world.convoy.state = ConvoyState.MANIFEST_APPROVAL
    world.convoy.save(update_fields=["state"])
    url = reverse("convoy:emergency_sail_new", args=[_n(world)])
    return Submission(world.commodore, url, data)


def _sail_kinds() -> dict:
    from convoy.models import RiskCategory

    return {
        "justification_narrative": "text",
        "remediation_plan": "text",
        "remediation_business_days": "int",
    } | {f"{a}_{c.value}": "choice" for c in RiskCategory for a in ("likelihood", "impact")}


def convening_schedule(world) -> Submission:
    chair = person("crap.chair", Role.CRAP, is_chair=True)
    data = {"start": "2027-01-11", "weeks": 2, "cadence": _first_cadence()}
    return Submission(chair, reverse("convoy:convening_schedule"), data)


def _dimensions() -> list[str]:
    from convoy.models import Dimension

    return list(Dimension.values)


def _first_cadence() -> str:
    from convoy.models import Cadence

    return Cadence.values[0]


def manifest_document(world) -> Submission:
    from convoy.models import DOCUMENT_STANDARDS_VERSION, DocumentKind

    feature = world.feature(1)
    url = reverse(
        "convoy:manifest_feature_item",
        args=[_n(world), feature.number, DocumentKind.FEATURE_SPECIFICATION.value.lower()],
    )
    return Submission(
        world.captain,
        url,
        {"body": "The specification.", "standards_version": DOCUMENT_STANDARDS_VERSION},
    )


# Setups of the deep ceremonies: each reaches its state through the ceremonies and the tests'
# helpers (tests/approval_helpers.py, tests/pipeline/conftest.py, tests/voyage_records.py) -----


def _words(count: int, word: str) -> str:
    return " ".join([word] * count)


def _ranked(world):
    """Two features ranked by the Commodore (R12); returns the first, with its priority."""
    from convoy.ceremonies.priority import rank_features

    feature = world.feature(1, name="Ledger Sync")
    world.feature(2, name="Audit Beacon", captain=world.other_captain)
    cso = person("cso.vale", Role.CSO)
    rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=4242)
    feature.refresh_from_db()
    return feature


def _filed_pcr(world):
    from convoy.ceremonies.pcr import MIN_JUSTIFICATION_WORDS, file_pcr

    feature = _ranked(world)
    return file_pcr(
        actor=world.captain,
        feature=feature,
        proposed_priority=3 - feature.priority,
        justification=_words(MIN_JUSTIFICATION_WORDS, "synergy"),
        counter_justification=_words(MIN_JUSTIFICATION_WORDS, "however"),
    )


def pcr_new(world) -> Submission:
    from convoy.ceremonies.pcr import MIN_JUSTIFICATION_WORDS

    feature = _ranked(world)
    data = {
        "proposed_priority": 3 - feature.priority,
        "justification": _words(MIN_JUSTIFICATION_WORDS, "synergy"),
        "counter_justification": _words(MIN_JUSTIFICATION_WORDS, "however"),
    }
    url = reverse("convoy:pcr_new", args=[_n(world), feature.number])
    return Submission(world.captain, url, data)


def pcr_approve(world) -> Submission:
    pcr = _filed_pcr(world)
    cset = person("cset.ito", Role.CSET)
    url = reverse("convoy:pcr_approve", args=[_n(world), pcr.pk])
    return Submission(cset, url, {"role": Role.CSET.value})


def pcr_rule(world) -> Submission:
    from convoy.ceremonies.pcr import approve_pcr

    pcr = _filed_pcr(world)
    for approver, role in (
        (person("cset.ito", Role.CSET), Role.CSET),
        (person("earb.nakamura", Role.EARB), Role.EARB),
        (world.captain, Role.FEATURE_CAPTAIN),
        (world.other_captain, Role.FEATURE_CAPTAIN),
        (world.commodore, Role.COMMODORE),
    ):
        approve_pcr(actor=approver, pcr=pcr, role=role)
    url = reverse("convoy:pcr_rule", args=[_n(world), pcr.pk])
    return Submission(world.commodore, url, {"verdict": "deny", "note": "Not this quarter."})


def name_rule(world) -> Submission:
    from convoy.ceremonies.names import admit_word, submit_name

    earb = person("earb.nakamura", Role.EARB)
    for word in ("ledger", "sync"):
        admit_word(actor=earb, word=word)
    feature = world.feature(1, name="Ledger Sync")
    submission = submit_name(actor=world.captain, feature=feature)
    url = reverse("convoy:name_rule", args=[_n(world), feature.number, submission.pk])
    data = {"verdict": "admit", "next": reverse("convoy:name_submissions")}
    return Submission(earb, url, data)


def commitment_lock(world) -> Submission:
    from convoy.ceremonies.commitment import commit_feature, open_planning_cycle

    cycle = open_planning_cycle(actor=world.admiral, year=2027, quarter=1)
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    url = reverse("convoy:commitment_lock", args=[cycle.year, cycle.quarter])
    return Submission(world.admiral, url, {"confirm": "on"})


def _committee(world):
    from tests.approval_helpers import put_in_manifest_approval, seat_committee

    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    return committee


def approval_convene(world) -> Submission:
    committee = _committee(world)
    url = reverse("convoy:approval_convene", args=[_n(world)])
    data = {"present": [member.pk for member in committee.everyone]}
    return Submission(world.commodore, url, data)


def approval_roll_call(world) -> Submission:
    from convoy.ceremonies.manifest_approval import convene_sitting

    committee = _committee(world)
    sitting = convene_sitting(
        actor=world.commodore, convoy=committee.convoy, present=committee.everyone
    )
    url = reverse("convoy:approval_roll_call", args=[_n(world), sitting.pk])
    data = {"present": [world.captain.pk, world.other_captain.pk]}
    return Submission(world.commodore, url, data)


def approval_vote(world) -> Submission:
    from tests.approval_helpers import walk_to_vote

    committee = _committee(world)
    sitting = walk_to_vote(committee)
    url = reverse("convoy:approval_vote", args=[_n(world), sitting.pk])
    return Submission(committee.members[0], url, {"vote": "APPROVE"})


def deployment_approve(world) -> Submission:
    from convoy.ceremonies.deployment import file_deployment_request
    from convoy.models import ApprovalStage
    from tests.voyage_records import accepted_change

    accepted_change(world, world.feature(1))
    world.convoy.state = ConvoyState.MANIFEST_APPROVAL
    world.convoy.save(update_fields=["state"])
    filed = file_deployment_request(
        actor=world.captain, convoy=world.convoy, summary="Deploy the accepted Changes."
    )
    url = reverse("convoy:deployment_approve", args=[_n(world), filed.pk])
    return Submission(world.other_captain, url, {"stage": ApprovalStage.PEER_REVIEW.value})


def fleet_score(world) -> Submission:
    from convoy import clock
    from convoy.ceremonies.fleet_inspection import record_presentation
    from convoy.models import Dimension
    from tests.voyage_records import ALL_SLIDES, leader

    inspection = _inspection(world)
    presentation = record_presentation(
        actor=world.captain,
        inspection=inspection,
        feature=world.convoy.features.get(number=1),
        slot_start=clock.now(),
        duration_minutes=45,
        slide_count=31,
        slides=ALL_SLIDES,
        lessons=["Start the documentation earlier."],
    )
    url = reverse("convoy:fleet_score", args=[_n(world), presentation.pk])
    return Submission(leader(world), url, dict.fromkeys(Dimension.values, 4))


def _attribution(world):
    """A defect in Dry Dock, reported and attributed by the DIAT (R51–R53)."""
    from convoy.ceremonies.tribunal import attribute_defect, report_defect
    from convoy.models import RootCause
    from tests.voyage_records import accepted_change

    change = accepted_change(world, world.feature(1), world.engineer, "Ledger rounding")
    world.convoy.state = ConvoyState.DRY_DOCK
    world.convoy.save(update_fields=["state"])
    diat = person("diat.okonkwo", Role.DIAT)
    defect = report_defect(
        actor=world.commodore,
        convoy=world.convoy,
        title="Totals off by one cent",
        tier=2,
        root_cause=RootCause.CODE_ENGINEER_ERROR,
        changes=[change],
    )
    (attribution,) = attribute_defect(actor=diat, defect=defect)
    return attribution, diat


def tribunal_hear(world) -> Submission:
    from convoy.ceremonies.tribunal import convene_tribunal
    from convoy.models import Finding, TribunalCase

    _attribution(world)
    convene_tribunal(actor=world.admiral)
    case = TribunalCase.objects.get()
    data = {"defence_seconds": 90, "finding": Finding.RESPONSIBLE.value}
    return Submission(world.admiral, reverse("convoy:tribunal_hear", args=[case.pk]), data)


def tribunal_appeal(world) -> Submission:
    attribution, _ = _attribution(world)
    url = reverse("convoy:tribunal_appeal", args=[attribution.pk])
    return Submission(world.engineer, url, {"grounds": "The rounding is not my line."})


def tribunal_decide(world) -> Submission:
    from convoy.ceremonies.tribunal import file_appeal

    attribution, diat = _attribution(world)
    appeal = file_appeal(actor=world.engineer, attribution=attribution, grounds="Not my line.")
    url = reverse("convoy:tribunal_decide", args=[appeal.pk])
    return Submission(diat, url, {"withdraw": "1"})


def manifest_sign(world) -> Submission:
    from convoy.ceremonies.manifest import file_document
    from convoy.models import DocumentKind

    feature = world.feature(1)
    document = file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=feature,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        body="The specification.",
    )
    url = reverse("convoy:manifest_document_sign", args=[_n(world), document.pk])
    return Submission(world.captain, url, {"next": feature.get_absolute_url()})


def inspection_submit(world) -> Submission:
    from tests.pipeline.conftest import make_crew, new_change, to_coding

    crew = make_crew(world)
    change = to_coding(crew, new_change(crew))
    url = reverse("convoy:change_submit_for_inspection", args=[change.pk])
    return Submission(world.engineer, url, {"lines_added": 42, "lines_removed": 4})


def inspection_record(world) -> Submission:
    from tests.pipeline.conftest import make_crew, new_change, open_inspections, to_coding

    crew = make_crew(world)
    change = to_coding(crew, new_change(crew))
    open_inspections(crew, [change])
    data = {f"item_{number}": "on" for number in _checklist_numbers()}
    return Submission(crew.cset, reverse("convoy:change_inspection", args=[change.pk]), data)


def _checklist_numbers() -> list[int]:
    from convoy.ceremonies.code_inspection import checklist_data

    return [int(item["number"]) for item in checklist_data()]


def change_sign(world) -> Submission:
    from tests.pipeline.conftest import make_crew, new_change, to_signatures

    crew = make_crew(world)
    (change,) = to_signatures(crew, [new_change(crew)])
    signer = crew.cgr[0]
    url = reverse("convoy:change_signatures", args=[change.pk])
    return Submission(signer, url, {"signature": f"sig:{signer.username}"})


def agenda_submit(world) -> Submission:
    from tests.pipeline.conftest import PACKAGE, archived_change, make_crew, receiving_convening

    crew = make_crew(world)
    change = archived_change(crew)
    convening = receiving_convening(crew)
    url = reverse("convoy:change_submit_to_agenda", args=[change.pk])
    return Submission(world.engineer, url, PACKAGE | {"convening": convening.pk})


def _agenda_distributed(world):
    """A Convening at its hour with one archived Change on its distributed agenda."""
    from convoy import clock
    from convoy.ceremonies.agenda import distribute_agenda
    from tests.pipeline.conftest import archived_change, make_crew, receiving_convening, submit

    crew = make_crew(world)
    change = archived_change(crew)
    convening = receiving_convening(crew)
    submit(crew, change, convening)
    distribute_agenda(actor=crew.chair, convening=convening)
    clock.travel_to(convening.scheduled_for)
    return crew, convening, change


def convening_open(world) -> Submission:
    crew, convening, _ = _agenda_distributed(world)
    url = reverse("convoy:convening_open", args=[convening.pk])
    return Submission(crew.chair, url, {"present": [str(member.pk) for member in crew.crap]})


def convening_oath(world) -> Submission:
    from convoy.ceremonies.convening import open_convening

    crew, convening, change = _agenda_distributed(world)
    open_convening(actor=crew.chair, convening=convening)
    url = reverse("convoy:convening_oath", args=[convening.pk, change.author_id])
    data = {"notary": "Pat Quill, notary public", "notarised_on": "2027-01-04"}
    return Submission(crew.chair, url, data, shown=reverse("convoy:oath_list"))


def ballot_cast(world) -> Submission:
    from tests.pipeline.conftest import archived_change, convene, make_crew

    crew = make_crew(world)
    change = archived_change(crew)
    convening = convene(crew, [change])
    url = reverse("convoy:ballot_cast", args=[convening.pk, change.pk])
    prefix = f"c{change.pk}-"
    data = {f"{prefix}choice": "reject", f"{prefix}reasons": ["9"]}
    return Submission(crew.crap[1], url, data, prefix=prefix)


def oath_refer(world) -> Submission:
    from convoy.models import Oath
    from tests.pipeline.conftest import archived_change, convene, make_crew

    crew = make_crew(world)
    convene(crew, [archived_change(crew)])
    url = reverse("convoy:oath_refer", args=[Oath.objects.get().pk])
    return Submission(crew.chair, url, {"finding": "The Change was not documented."})


CASES = [
    FormCase("FeatureForm/register", feature_register, FEATURE_KINDS),
    FormCase("FeatureForm/edit", feature_edit, FEATURE_KINDS),
    FormCase("StatusReportForm", feature_status, {"signal": "choice", "summary": "text"}),
    FormCase("TaskForm", task_add, {"title": "text", "hours": "decimal"}),
    FormCase("CapacityForm", capacity, {"capacity_person_days": "decimal"}),
    FormCase("RankingForm", priority, {"witness": "choice"}),
    FormCase("WordForm", book_of_names, {"word": "text"}),
    FormCase("OpenCycleForm", cycle_open, {"year": "int", "quarter": "choice"}),
    FormCase("CommitmentForm", commitment_add, {"name": "text", "target": "choice"}),
    FormCase(
        "RecordChangeForm",
        change_record,
        {"feature": "choice", "title": "text", "summary": "text"},
    ),
    FormCase("ImpactAssessmentForm", change_assessment, _cia_kinds()),
    FormCase(
        "DeclarationForm",
        emergency_declare,
        {
            "justification": "text",
            "risk_exposure_summary": "text",
            "remediation_plan": "text",
            "documentation_due": "date",
        },
    ),
    FormCase("DeploymentRequestForm", deployment_request, {"summary": "text"}),
    FormCase("YieldForm", deployment_yield, {"results": "text"}),
    FormCase(
        "PresentationForm",
        fleet_present,
        {
            "feature": "choice",
            "slot_start": "datetime",
            "duration_minutes": "int",
            "slide_count": "int",
            "lessons": "text",
            "video": "choice",
        },
    ),
    FormCase("VideoApprovalForm", fleet_video, {"feature": "choice", "title": "text"}),
    FormCase(
        "DefectForm",
        defect_report,
        {
            "title": "text",
            "description": "text",
            "tier": "choice",
            "root_cause": "choice",
            "explanation": "text",
            "changes": "multi",
        },
    ),
    FormCase("AbsenceAttestationForm", approval_absence, {"absent_on": "date", "reason": "text"}),
    FormCase("EmergencySailForm", emergency_sail_new, _sail_kinds()),
    FormCase(
        "ScheduleForm",
        convening_schedule,
        {"start": "date", "weeks": "int", "cadence": "choice"},
    ),
    FormCase(
        "DocumentForm",
        manifest_document,
        {"body": "text", "standards_version": "text"},
        files=["upload"],
    ),
    FormCase(
        "PcrForm",
        pcr_new,
        {
            "proposed_priority": "choice",
            "justification": "text",
            "counter_justification": "text",
        },
    ),
    FormCase("ApprovalForm", pcr_approve, {"role": "text"}),
    FormCase("RulingForm", pcr_rule, {"verdict": "choice", "note": "text"}),
    FormCase(
        "NameRulingForm",
        name_rule,
        {"verdict": "choice", "next": "text"},
        unstored=("next",),
    ),
    FormCase("LockCycleForm", commitment_lock, {"confirm": "bool"}),
    FormCase("ConveneForm", approval_convene, {"present": "multi"}),
    FormCase("RollCallForm", approval_roll_call, {"present": "multi"}),
    FormCase("VoteForm", approval_vote, {"vote": "choice"}),
    FormCase("ApprovalStageForm", deployment_approve, {"stage": "choice"}),
    FormCase("ScoreForm", fleet_score, {d: "int" for d in _dimensions()}),
    FormCase("HearingForm", tribunal_hear, {"defence_seconds": "int", "finding": "choice"}),
    FormCase("AppealForm", tribunal_appeal, {"grounds": "text"}),
    FormCase("AppealDecisionForm", tribunal_decide, {"withdraw": "choice"}),
    FormCase("SignForm", manifest_sign, {"next": "text"}, unstored=("next",)),
    FormCase(
        "InspectionSubmissionForm",
        inspection_submit,
        {"lines_added": "int", "lines_removed": "int"},
    ),
    FormCase("InspectionForm", inspection_record, {f"item_{n}": "bool" for n in (1, 24, 47)}),
    FormCase("SignatureForm", change_sign, {"signature": "text"}),
    FormCase(
        "AgendaSubmissionForm",
        agenda_submit,
        {
            "convening": "choice",
            "risk_exposure_summary": "text",
            "rollback_authorization_declaration": "text",
        },
    ),
    FormCase("OpenForm", convening_open, {"present": "multi"}),
    FormCase("OathForm", convening_oath, {"notary": "text", "notarised_on": "date"}),
    FormCase("BallotForm", ballot_cast, {"choice": "choice", "reasons": "multi"}),
    FormCase("ReferralForm", oath_refer, {"finding": "text"}),
]


# The sweep --------------------------------------------------------------------------------


def _applicable(case: FormCase, value_class: str) -> bool:
    if value_class == "duplicate":
        return True
    if value_class == "uploads":
        return bool(case.files)
    kinds = HOSTILE[value_class]
    return any(kind in kinds for kind in case.fields.values())


FIELDS_PER_KIND = 3  # the 34 cells of a risk matrix fail alike; three of them stand for all


def sampled_fields(case: FormCase) -> list[tuple[str, str]]:
    """Every field of the form, except that at most FIELDS_PER_KIND fields of one kind."""
    taken: dict[str, int] = {}
    fields = []
    for name, kind in case.fields.items():
        taken[kind] = taken.get(kind, 0) + 1
        if taken[kind] <= FIELDS_PER_KIND:
            fields.append((name, kind))
    return fields


PARAMS = [
    pytest.param(case, value_class, id=f"{case.name}-{value_class}")
    for case in CASES
    for value_class in [*HOSTILE, "uploads", "duplicate"]
    if _applicable(case, value_class)
]


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("convoy").get_models()
    } | {"audit": AuditEvent.objects.count()}


def _submit(
    client: Client, submission: Submission, data: dict, *, repeat: bool = False
) -> tuple[int, str, bool]:
    """POST once; return the status, every page the user then sees, and whether it was kept."""
    before = _counts()
    response = client.post(submission.url, data)
    assert response.status_code < 500, f"{response.status_code} for {submission.url}"
    after = _counts()
    recorded = after["audit"] > before["audit"]
    pages = [response.content.decode()]
    if response.status_code in (301, 302):
        pages.append(client.get(response["Location"]).content.decode())
    if recorded and submission.shown:
        pages.append(client.get(submission.shown).content.decode())
    body = "\n".join(pages)
    for raw in RAW_MARKUP:
        assert raw not in body, f"unescaped markup on a page after posting to {submission.url}"
    if not recorded:
        changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
        assert not changed, f"partial write without an audit event: {changed}"
        # A repeated submission may also be recognised as the first one and confirmed again.
        answered = ERROR_MARK.search(body) or (repeat and SUCCESS_MARK.search(body))
        assert answered, f"refused without a visible error at {submission.url}"
    return response.status_code, body, recorded


def _in_savepoint(client: Client, submission: Submission, data: dict) -> tuple[str, bool]:
    with transaction.atomic():
        _, body, recorded = _submit(client, submission, data)
        transaction.set_rollback(True)
    return body, recorded


def _check_markup_shown_escaped(body: str, value: str, recorded: bool) -> None:
    """A stored value comes back escaped (or is not shown at all); it is never markup."""
    if recorded and value == MARKUP[0]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "alert(1)" not in body


@pytest.mark.parametrize(("case", "value_class"), PARAMS)
def test_hostile_submission_is_refused_or_stored_safely(world, case, value_class):
    """R1/R57: no hostile value causes a 500, a partial write or unescaped output."""
    submission = case.setup(world)
    client = Client()
    client.force_login(submission.user)
    # The valid submission is kept: the sweep starts from a form that works.
    _, valid_recorded = _in_savepoint(client, submission, submission.data)
    assert valid_recorded, f"{case.name}: the baseline submission was refused"
    tried = 0
    if value_class == "duplicate":
        with transaction.atomic():
            _submit(client, submission, submission.data)
            _submit(client, submission, submission.data, repeat=True)
            transaction.set_rollback(True)
        tried = 2
    elif value_class == "uploads":
        for name in case.files:
            for filename, content in BAD_UPLOADS:
                data = submission.data | {"body": "", name: SimpleUploadedFile(filename, content)}
                _in_savepoint(client, submission, data)
                tried += 1
    else:
        for name, kind in sampled_fields(case):
            for value in HOSTILE[value_class].get(kind, []):
                posted = submission.data | {submission.prefix + name: value}
                body, recorded = _in_savepoint(client, submission, posted)
                _check_markup_shown_escaped(body, value, recorded)
                # PostgreSQL cannot store NUL: it is refused as a field error, never stored.
                stored = recorded and name not in case.unstored
                assert not ("\x00" in value and stored), f"{name} stored a NUL character"
                # No hostile value is one of the choices: it is refused, never read as another.
                assert not (kind in ("choice", "multi") and recorded), f"{name} took {value[:20]!r}"
                tried += 1
    assert tried
    call_command("verify_audit")


def test_markup_in_a_feature_name_is_shown_escaped(world):
    """R1: a stored feature name with markup appears as text on the feature's page."""
    submission = feature_register(world)
    client = Client()
    client.force_login(submission.user)
    data = submission.data | {"name": "<script>alert(1)</script> Ledger"}
    response = client.post(submission.url, data, follow=True)
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ledger" in body
    assert "<script>alert(1)</script>" not in body


def test_ids_posted_outside_a_form_are_not_found_rather_than_a_crash(world):
    """R1: a posted id that is not a number finds no record (404), never a 500."""
    from convoy.models import ReportKind

    client = Client()
    client.force_login(world.commodore)
    start = reverse("convoy:approval_presentation_start", args=[_n(world), 1])
    report = reverse("convoy:report_start", args=[_n(world)])
    for hostile in ("abc", "1\x00", str(10**30), "-1", "<script>alert(1)</script>"):
        assert client.post(start, {"captain": hostile}).status_code == 404
        posted = {"kind": ReportKind.values[0], "feature": hostile}
        assert client.post(report, posted).status_code == 404


SIGN_IN_VALUES = [*MARKUP, "=1+1", LONG, "a\x00b", "\x1b[31m", "\u202eevil", str(10**30)]


def test_hostile_sign_in_attempts_are_refused_without_a_crash(world):
    """R1: the sign-in form (and the lockout's record of failed attempts) takes any username
    and password; a NUL character, which PostgreSQL cannot store, included."""
    client = Client()
    audit = AuditEvent.objects.count()
    for value, url in itertools.product(SIGN_IN_VALUES, [reverse("login"), reverse("admin:login")]):
        for data in ({"username": value, "password": "x"}, {"username": "qa", "password": value}):
            response = client.post(url, data)
            assert response.status_code in (200, 429), response.status_code
            body = response.content.decode()
            assert all(raw not in body for raw in RAW_MARKUP)
            assert ERROR_MARK.search(body) or response.status_code == 429
    assert AuditEvent.objects.count() == audit
    call_command("verify_audit")
