"""The demo organisation behind `manage.py load_demo` (DOMAIN.md §1–§4, §12).

One named person in every role; CONVOY-26 (2026 Q4) walked through its whole voyage and
closed; CONVOY-27 (2027 Q1, the demo's current quarter) in Code Inspection with sixty
Changes spread over every state of the pipeline. Everything that has a ceremony function
runs through it, with the clock frozen at the moment it happened, so records, audit chain
and Flow X-ray read as the quarter did (weeks between steps, never seconds).

Records whose ceremonies are not built yet are written here directly, each with its audit
event (R57) so that `verify_audit` holds: feature-level certificates and the
organisation's paper history. Each Change's pipeline and the CRAP's Convenings run through
their ceremonies (convoy/demo_pipeline.py); the Manifest, the Change Freeze and the Steering
Committee's sittings too (convoy/demo_approval.py).

`build_stress_convoy` adds a Convoy of N Changes in a far-future quarter for benchmarks,
written with bulk inserts and an audit chain computed here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Count

from convoy import clock
from convoy.ceremonies import tribunal
from convoy.ceremonies.audit import json_safe, record_event, snapshot
from convoy.ceremonies.changes import record_change
from convoy.ceremonies.commitment import commit_feature, lock_planning_cycle, open_planning_cycle
from convoy.ceremonies.crew import assign_role
from convoy.ceremonies.deployment import sign_readiness_checklist
from convoy.ceremonies.lifecycle import advance_convoy, create_convoy, default_sailing_date
from convoy.ceremonies.planning import add_task, register_feature
from convoy.ceremonies.signal_report import publish_signal_report
from convoy.demo_approval import schedule_manifest_approval_26, schedule_manifest_approval_27
from convoy.demo_documents import schedule_documents_26
from convoy.demo_fleet import schedule_fleet_records
from convoy.demo_pipeline import PipelineDemo
from convoy.models import (
    CHANGE_PIPELINE,
    PER_CONVOY_ROLES,
    STANDING_ROLES,
    AuditEvent,
    AuditHead,
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convoy,
    ConvoyState,
    CrewProfile,
    Feature,
    FeatureStatus,
    Role,
    RoleAssignment,
    Task,
    WorkshopClock,
    quarter_bounds,
)
from convoy.models.audit import event_hash

Progress = Callable[[str], object]

DEMO_TZ = ZoneInfo("America/New_York")
# The demo's "now": a Monday morning in the middle of CONVOY-27's Code Inspection.
DEMO_NOW = dt.datetime(2027, 2, 15, 9, 30, tzinfo=DEMO_TZ)
PREVIOUS = (26, 2026, 4)  # number, year, quarter
CURRENT = (27, 2027, 1)
PASSWORD_NOTICE = (
    "Passwords were printed when the demo was first loaded; "
    "run load_demo --reset-passwords for new ones."
)

C = ChangeState


# --- The crew ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One person of the demo and the one role they hold in it."""

    username: str
    name: str
    team: str
    role: Role
    seat: int | None = None  # CRAP seat (R3)
    chair: bool = False  # chair of the CRAP (standing) or of the CSC (per Convoy)

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.replace("-", " ").split()).upper()

    @property
    def signature_reference(self) -> str:
        return f"SIG-{self.initials}-{zlib.crc32(self.username.encode()) % 10000:04d}"

    def describe(self) -> str:
        text = self.role.label
        if self.seat is not None:
            text += f", seat {self.seat}"
        if self.chair:
            text += ", chair"
        if self.role == Role.CODE_ENGINEER:
            text += f", {self.team}"
        if self.role == Role.ADMIRAL:
            text += "; staff (admin site)"
        return text


def _crew(role: Role, team: str, *people: tuple[str, str]) -> list[Member]:
    return [Member(username, name, team, role) for username, name in people]


SQUADS = ("Team Kestrel", "Team Osprey", "Team Heron", "Team Cormorant")

ROSTER: tuple[Member, ...] = (
    Member("admiral", "Margaret Thorne-Ashby", "Admiral's Transformation Office", Role.ADMIRAL),
    Member("commodore", "Eleanor Vance", "Convoy Command", Role.COMMODORE),
    Member("cso", "Priya Raghunathan", "Office of the Chief Signals Officer", Role.CSO),
    Member("auditor", "Henrik Vestergaard", "Internal Audit", Role.AUDITOR),
    Member("crap.chair", "Dolores Achterberg", "CRAP", Role.CRAP, seat=1, chair=True),
    Member("crap.ferreira", "Tomás Ferreira", "CRAP", Role.CRAP, seat=2),
    Member("crap.whitfield", "Gareth Whitfield", "CRAP", Role.CRAP, seat=3),
    Member("crap.yamamoto", "Keiko Yamamoto", "CRAP", Role.CRAP, seat=4),
    Member("crap.oduya", "Chidi Oduya", "CRAP", Role.CRAP, seat=5),
    Member("crap.lindahl", "Maja Lindahl", "CRAP", Role.CRAP, seat=6),
    Member("crap.petrov", "Dmitri Petrov", "CRAP", Role.CRAP, seat=7),
    *_crew(
        Role.CGR,
        "Change Governance",
        ("cgr.osei", "Abena Osei"),
        ("cgr.halvorsen", "Per Halvorsen"),
    ),
    *_crew(
        Role.CSET,
        "Code Standards Enforcement Team",
        ("cset", "Walter Brightman"),
        ("cset.nakamura", "Sayaka Nakamura"),
    ),
    *_crew(
        Role.EARB,
        "Enterprise Architecture Review Board",
        ("earb", "Cornelius Fairbanks"),
        ("earb.fontaine", "Hélène Fontaine"),
    ),
    *_crew(Role.QA, "Quality Authority", ("qa", "Ingrid Solberg"), ("qa.mensah", "Kwame Mensah")),
    *_crew(Role.DIAT, "Development Integrity Assurance Team", ("diat", "Rosalind Pike")),
    *_crew(Role.RBRB, "Review Board Review Board", ("rbrb", "Bartholomew Quayle")),
    *_crew(Role.DOUCHE, "DevOps Usage & Compliance", ("douche", "Desmond Hargreave")),
    Member("csc.chair", "Victoria Ashcombe", "Convoy Steering Committee", Role.CSC, chair=True),
    *_crew(
        Role.CSC,
        "Convoy Steering Committee",
        ("csc.mbeki", "Thandiwe Mbeki"),
        ("csc.garrido", "Luis Garrido"),
        ("csc.holmberg", "Eva Holmberg"),
    ),
    *_crew(
        Role.LEADERSHIP,
        "Executive Leadership",
        ("lead.harrington", "James Harrington"),
        ("lead.abara", "Ngozi Abara"),
        ("lead.castellanos", "Marisol Castellanos"),
    ),
    *_crew(
        Role.FEATURE_CAPTAIN,
        "Feature Captains",
        ("fc.okafor", "Chinwe Okafor"),
        ("fc.brandt", "Jonas Brandt"),
        ("fc.castillo", "Lucía Castillo"),
        ("fc.nguyen", "Minh Nguyen"),
        ("fc.haddad", "Samir Haddad"),
        ("fc.kowalski", "Anna Kowalski"),
        ("fc.adeyemi", "Tunde Adeyemi"),
        ("fc.sorensen", "Mette Sørensen"),
    ),
    *_crew(
        Role.CODE_ENGINEER,
        SQUADS[0],
        ("ce.lindqvist", "Erik Lindqvist"),
        ("ce.moreau", "Camille Moreau"),
        ("ce.takahashi", "Ren Takahashi"),
        ("ce.oyelaran", "Funmi Oyelaran"),
        ("ce.novak", "Petra Novák"),
        ("ce.schulz", "Lukas Schulz"),
    ),
    *_crew(
        Role.CODE_ENGINEER,
        SQUADS[1],
        ("ce.silva", "Beatriz Silva"),
        ("ce.kaur", "Harpreet Kaur"),
        ("ce.obrien", "Declan O'Brien"),
        ("ce.varga", "Zsófia Varga"),
        ("ce.ahmed", "Yusuf Ahmed"),
        ("ce.rossi", "Giulia Rossi"),
    ),
    *_crew(
        Role.CODE_ENGINEER,
        SQUADS[2],
        ("ce.kim", "Ji-woo Kim"),
        ("ce.dubois", "Antoine Dubois"),
        ("ce.banda", "Grace Banda"),
        ("ce.ivanova", "Olga Ivanova"),
        ("ce.park", "Daniel Park"),
        ("ce.eriksen", "Sigrid Eriksen"),
    ),
    *_crew(
        Role.CODE_ENGINEER,
        SQUADS[3],
        ("ce.mwangi", "Wanjiru Mwangi"),
        ("ce.costa", "Rui Costa"),
        ("ce.patel", "Anika Patel"),
        ("ce.jansen", "Pieter Jansen"),
        ("ce.walsh", "Siobhan Walsh"),
        ("ce.tanaka", "Yuto Tanaka"),
    ),
)
USERNAMES = tuple(m.username for m in ROSTER)


def members(role: Role) -> list[Member]:
    return [m for m in ROSTER if m.role == role]


def squad(name: str) -> list[str]:
    return [m.username for m in members(Role.CODE_ENGINEER) if m.team == name]


# --- The features --------------------------------------------------------------------------

# Sponsors: name and title, seniority, distance of their office from the Commodore's (R12).
SPONSORS = {
    "pembroke": ("Gerald Pembroke, VP Finance Operations", 7, 40),
    "strand": ("Imelda Strand, Chief Customer Officer", 9, 15),
    "oakes": ("Reginald Oakes, SVP Supply Chain", 8, 220),
    "wen": ("Patricia Wen, Head of Compliance", 6, 85),
    "marlow": ("Augustus Marlow, Chief Operating Officer", 10, 10),
    "cartwright": ("Fiona Cartwright, Director of Partnerships", 5, 310),
    "": ("", 0, 0),
}


@dataclass(frozen=True)
class FeaturePlan:
    name: str
    acronym: str
    captain: str
    squad: str
    team_size: int
    estimated_sp: int
    # WSVF inputs (R11): cost of delay, political capital base, attended, donuts,
    # executive visibility, mentioned in the earnings call, acronym quality.
    wsvf: tuple[int, int, bool, bool, int, bool, int]
    sponsor: str
    subjects: tuple[str, ...]  # what its Changes touch, for their titles
    # CONVOY-26 only: the final state of each Change; "ACCEPTED*" was rejected once first.
    outcome: tuple[str, ...] = ()
    prior_deferrals: int = 0

    def inputs(self) -> dict[str, Any]:
        cod, pc, attended, donuts, ev, earnings, aq = self.wsvf
        sponsor_name, seniority, distance = SPONSORS[self.sponsor]
        return {
            "acronym": self.acronym,
            "estimated_sp": self.estimated_sp,
            "cost_of_delay": cod,
            "political_capital_base": pc,
            "sponsor_attended_alignment": attended,
            "sponsor_brought_donuts": donuts,
            "executive_visibility": 10 if earnings else ev,  # R11: forced to 10
            "mentioned_in_earnings_call": earnings,
            "acronym_quality": aq,
            "sponsor_name": sponsor_name,
            "sponsor_seniority": seniority,
            "sponsor_office_distance_m": distance,
        }

    @property
    def ships(self) -> bool:
        return all(state.startswith(C.ACCEPTED) for state in self.outcome)


A, A2 = "ACCEPTED", "ACCEPTED*"
KES, OSP, HER, COR = SQUADS

# CONVOY-26: six features ship; four are deferred (R10), one of them for the third time.
FEATURES_26 = (
    FeaturePlan("Invoice Ledger Sync", "ILS", "fc.okafor", KES, 4, 21,
                (7, 4, True, False, 6, False, 3), "pembroke",
                ("invoice import", "ledger batch job", "currency rounding", "sync scheduler"),
                (A, A, A2, A)),
    FeaturePlan("Customer Portal Login Refresh", "CPLR", "fc.brandt", OSP, 3, 13,
                (6, 6, True, True, 8, False, 2), "strand",
                ("login page", "session cookie", "password hint text"), (A, A, A)),
    FeaturePlan("Quarterly Report Export", "QRE", "fc.castillo", HER, 4, 8,
                (8, 5, True, False, 7, True, 2), "marlow",
                ("report query", "export button", "column order", "PDF footer"),
                (A, A, A, A, A)),
    FeaturePlan("Warehouse Stock Alerts", "WSA", "fc.nguyen", COR, 3, 13,
                (5, 3, False, False, 4, False, 4), "oakes",
                ("stock threshold", "alert email", "warehouse list"), (A, A, A2)),
    FeaturePlan("Fax Gateway Retirement", "FGR", "fc.haddad", KES, 3, 34,
                (3, 1, False, False, 2, False, 3), "wen",
                ("fax queue", "gateway config", "cover sheet template"),
                (C.REJECTED, A, C.REJECTED), prior_deferrals=2),
    FeaturePlan("Mobile Receipt Scanner", "MRS", "fc.kowalski", OSP, 4, 21,
                (7, 5, True, True, 7, False, 3), "strand",
                ("image upload", "receipt parser", "camera prompt", "scan history"),
                (A, A, A, A)),
    FeaturePlan("Audit Trail Search", "ATS", "fc.adeyemi", HER, 3, 13,
                (4, 2, True, False, 3, False, 3), "wen",
                ("search index", "date filter", "result paging"), (A, C.ON_AGENDA, A)),
    FeaturePlan("Supplier Onboarding Wizard", "SOW", "fc.sorensen", COR, 4, 21,
                (6, 7, True, True, 9, False, 5), "cartwright",
                ("wizard steps", "tax ID check", "bank details form", "welcome email"),
                (A, A2, A, A)),
    FeaturePlan("Dark Mode", "", "fc.okafor", KES, 3, 5,
                (2, 0, False, False, 1, False, 1), "",
                ("colour tokens", "settings toggle", "chart palette"),
                (C.REJECTED, C.ARCHIVED)),
    FeaturePlan("Address Check Service", "ACS", "fc.brandt", OSP, 3, 13,
                (5, 3, True, False, 5, False, 3), "pembroke",
                ("postcode lookup", "address form", "retry policy"),
                (A, C.REJECTED, C.SIGNATURES)),
)  # fmt: skip

COMMITTED_26 = 8  # R48: features committed for CONVOY-26 in the cycle locked in 2024 Q4
# Dry Dock of CONVOY-26 (R53): title, feature, tier, root cause. The first is fixed; the
# second is left unfixed and becomes a known behavior.
DEFECTS_26 = (
    ("Invoice totals rounded twice", "Invoice Ledger Sync", 2, "CODE_ENGINEER_ERROR"),
    ("Stock alert email sent twice", "Warehouse Stock Alerts", 3, "INSUFFICIENT_TESTING"),
)

# CONVOY-27's new features; the four deferred ones above join them on closing (R10).
FEATURES_27 = (
    FeaturePlan("Expense Claim Upload", "ECU", "fc.castillo", HER, 4, 13,
                (6, 4, True, False, 5, False, 3), "pembroke",
                ("claim form", "receipt upload", "approval queue", "mileage rates")),
    FeaturePlan("Vendor Rate Cards", "VRC", "fc.nguyen", COR, 3, 8,
                (5, 5, True, True, 4, False, 3), "oakes",
                ("rate table", "card import", "price history", "vendor search")),
    FeaturePlan("Shipment Tracking Feed", "STF", "fc.kowalski", OSP, 4, 21,
                (8, 6, True, True, 9, True, 3), "marlow",
                ("carrier webhook", "tracking page", "delay notice", "feed parser")),
    FeaturePlan("Loyalty Points Ledger", "LPL", "fc.adeyemi", HER, 3, 21,
                (7, 8, True, True, 8, False, 3), "strand",
                ("points balance", "earn rules", "expiry job", "ledger export")),
    FeaturePlan("Contract Renewal Alerts", "CRA", "fc.sorensen", COR, 3, 8,
                (6, 2, False, False, 3, False, 4), "cartwright",
                ("renewal date check", "alert digest", "contract list")),
    FeaturePlan("Tax Form Builder", "TFB", "fc.haddad", KES, 4, 13,
                (9, 5, True, False, 6, False, 3), "wen",
                ("form template", "tax year rules", "PDF layout", "batch print job")),
    FeaturePlan("Branch Locator Map", "BLM", "fc.okafor", KES, 3, 5,
                (3, 3, True, True, 5, False, 3), "strand",
                ("map tiles", "branch search", "opening hours")),
    FeaturePlan("Password Reset Flow", "PRF", "fc.brandt", OSP, 3, 8,
                (7, 4, True, False, 6, False, 3), "marlow",
                ("reset email", "token expiry", "reset form")),
)  # fmt: skip

# CONVOY-27's sixty Changes, most advanced first: dealt round-robin over the twelve
# features, so each feature's first Change is an early one (CODING needs one per feature).
STATES_27 = (
    [C.ACCEPTED] * 7
    + [C.REJECTED] * 3
    + [C.ON_AGENDA] * 4
    + [C.ARCHIVED] * 4
    + [C.SIGNATURES] * 5
    + [C.DIAT_REVIEW] * 6
    + [C.TESTING] * 7
    + [C.CODE_INSPECTION] * 7
    + [C.CODING] * 8
    + [C.IMPACT_ASSESSMENT] * 5
    + [C.DRAFT] * 4
)
RESUBMITTED_27 = {1, 4}  # indexes into STATES_27: accepted after one rejection

TASK_TITLES = (
    "Write the Feature Specification",
    "Update the SAD",
    "Draft the Dependency Attestation Form",
    "Prepare the SOS Minutes",
    "Book the integration test environment",
    "Collect Change Impact Assessment inputs from the Feature Team",
    "Reconcile the estimate with capacity",
    "Submit the feature's words to the EARB",
    "Assemble the Manifest section",
    "Rehearse the Fleet Inspection slides",
)
TASK_HOURS = ("1.5", "2", "2.5", "3", "3.5", "4")  # R14: never more than 4

CHANGE_TITLES = (
    "Add input validation to the {}",
    "Refactor the {}",
    "Add audit logging to the {}",
    "Fix time zone handling in the {}",
    "Extend unit tests for the {}",
    "Rename fields in the {} to Book of Names words",
    "Add retry on timeout to the {}",
    "Update the schema for the {}",
    "Remove dead code from the {}",
    "Handle empty results in the {}",
)

# Days each move of a Change takes, by the state it enters.
STEP_DAYS = {
    C.IMPACT_ASSESSMENT: (0.5, 2.0),
    C.CODING: (3.0, 6.0),  # four sequential CIA approvals (R20)
    C.CODE_INSPECTION: (2.0, 6.0),
    C.TESTING: (3.0, 6.0),  # inspection results after 3 business days (R21)
    C.DIAT_REVIEW: (3.0, 8.0),
    C.SIGNATURES: (2.0, 5.0),
    C.ARCHIVED: (1.0, 3.0),
    C.ON_AGENDA: (1.0, 3.0),
    C.ACCEPTED: (1.0, 4.0),
    C.REJECTED: (1.0, 4.0),
}
PIPELINE_TO_AGENDA = [
    C.DRAFT,
    C.IMPACT_ASSESSMENT,
    C.CODING,
    C.CODE_INSPECTION,
    C.TESTING,
    C.DIAT_REVIEW,
    C.SIGNATURES,
    C.ARCHIVED,
    C.ON_AGENDA,
]
PAST_TESTING = {C.DIAT_REVIEW, C.SIGNATURES, C.ARCHIVED, C.ON_AGENDA, C.ACCEPTED, C.REJECTED}


def change_path(final: str, *, resubmitted: bool = False) -> list[str]:
    """The states a Change passes through to reach `final` (§4)."""
    if final in (C.ACCEPTED, C.REJECTED):
        retry = [C.REJECTED, C.SIGNATURES, C.ARCHIVED, C.ON_AGENDA] if resubmitted else []
        return [*PIPELINE_TO_AGENDA, *retry, final]
    return PIPELINE_TO_AGENDA[: PIPELINE_TO_AGENDA.index(final) + 1]


# --- Time ----------------------------------------------------------------------------------


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=DEMO_TZ)


def working_moment(moment: dt.datetime) -> dt.datetime:
    """The same day (or the next business day) with the time folded into 09:00–16:59."""
    moment = moment.astimezone(DEMO_TZ)
    minutes = 9 * 60 + (moment.hour * 60 + moment.minute) % (8 * 60)
    day = moment.date()
    while not clock.is_business_day(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=DEMO_TZ)


def business_slots(start: dt.datetime, count: int, hours: Iterable[int]) -> list[dt.datetime]:
    """`count` moments from `start`'s day on, at the given hours of each business day."""
    slots: list[dt.datetime] = []
    day = start.astimezone(DEMO_TZ).date()
    while len(slots) < count:
        if clock.is_business_day(day):
            for hour in hours:
                moment = dt.datetime.combine(day, dt.time(hour), tzinfo=DEMO_TZ)
                if moment >= start and len(slots) < count:
                    slots.append(moment)
        day += dt.timedelta(days=1)
    return slots


def convening_moment(moment: dt.datetime, rng: random.Random, cap: dt.datetime) -> dt.datetime:
    """The CRAP convenes on Tuesdays and Thursdays at 10:00 (twice a week, §5)."""
    day = moment.astimezone(DEMO_TZ).date()
    while day.weekday() not in (1, 3) or not clock.is_business_day(day):
        day += dt.timedelta(days=1)
    convened = dt.datetime.combine(day, dt.time(10, 0), tzinfo=DEMO_TZ)
    convened += dt.timedelta(minutes=rng.randrange(5, 95, 5))
    return convened if moment <= convened <= cap else moment


def timeline(
    rng: random.Random,
    path: list[str],
    *,
    earliest: dt.datetime,
    latest_start: dt.datetime,
    deadline: dt.datetime,
    max_slack_days: float | None = None,
) -> list[dt.datetime]:
    """Moments for each state of `path`: created in the window, last move before `deadline`.

    With `max_slack_days`, the last move falls within that many days of the deadline, so a
    young Change is a recent one.
    """
    steps = [rng.uniform(*STEP_DAYS[state]) for state in path[1:]]
    room = (deadline - earliest).total_seconds() / 86400 * 0.9
    if sum(steps) > room:
        steps = [s * room / sum(steps) for s in steps]
    latest_created = min(latest_start, deadline - dt.timedelta(days=sum(steps)))
    earliest_created = earliest
    if max_slack_days is not None:
        earliest_created = max(earliest, latest_created - dt.timedelta(days=max_slack_days))
    latest_created = max(latest_created, earliest_created)
    created = earliest_created + (latest_created - earliest_created) * rng.random()
    moments = [working_moment(created)]
    elapsed = 0.0
    for state, days in zip(path[1:], steps, strict=True):
        elapsed += days
        moment = working_moment(created + dt.timedelta(days=elapsed))
        if state in (C.ACCEPTED, C.REJECTED):
            moment = convening_moment(moment, rng, deadline)
        if moment <= moments[-1]:
            moment = moments[-1] + dt.timedelta(minutes=rng.randrange(20, 90))
        moments.append(moment)
    return moments


@dataclass
class Timeline:
    """Steps run in the order of their moments, each with the clock frozen at its moment."""

    steps: list[tuple[dt.datetime, int, Callable[[], object]]] = field(default_factory=list)

    def at(self, moment: dt.datetime, step: Callable[[], object]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def run(self) -> None:
        for moment, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            with clock.frozen_at(moment):
                step()
        self.steps.clear()


def charter_from_paper_register(
    *, actor: AbstractBaseUser, number: int, year: int, quarter: int, commodore: AbstractBaseUser
) -> Convoy:
    """The first Convoy on the platform: CONVOY-1 to CONVOY-25 live in the paper register."""
    return create_convoy(
        actor=actor,
        year=year,
        quarter=quarter,
        sailing_date=default_sailing_date(year, quarter),
        commodore=commodore,
        number=number,
    )


# --- Direct writers for ceremonies not built yet (each with its audit event, R57) ---------


def record_prior_deferrals(*, actor: AbstractBaseUser, feature: Feature, count: int) -> None:
    """A feature's deferrals from the paper register, carried into its deferral count (R10)."""
    with transaction.atomic():
        before = snapshot(feature, ["deferral_count"])
        feature.deferral_count = count
        feature.save(update_fields=["deferral_count"])
        record_event(
            actor=actor,
            action="feature.prior_deferrals",
            obj=feature,
            before=before,
            after=snapshot(feature, ["deferral_count"]) | {"source": "paper register"},
        )


def set_feature_status(*, actor: AbstractBaseUser, feature: Feature, status: str) -> None:
    with transaction.atomic():
        before = snapshot(feature, ["status"])
        feature.status = status
        feature.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="feature.status",
            obj=feature,
            before=before,
            after=snapshot(feature, ["status"]),
        )


def record_actual_points(*, actor: AbstractBaseUser, feature: Feature, actual_sp: int) -> None:
    with transaction.atomic():
        before = snapshot(feature, ["actual_sp"])
        feature.actual_sp = actual_sp
        feature.save(update_fields=["actual_sp"])
        record_event(
            actor=actor,
            action="feature.actuals",
            obj=feature,
            before=before,
            after=snapshot(feature, ["actual_sp"]),
        )


def issue_certificate(
    *,
    actor: AbstractBaseUser,
    role: Role,
    kind: CertificateKind,
    convoy: Convoy,
    feature: Feature | None = None,
    change: Change | None = None,
    notes: str = "",
) -> Certificate:
    with transaction.atomic():
        certificate = Certificate.objects.create(
            kind=kind,
            convoy=convoy,
            feature=feature,
            change=change,
            issued_by=actor,
            issued_role=role.value,
            issued_at=clock.now(),
            notes=notes,
        )
        record_event(
            actor=actor,
            action="certificate.issue",
            obj=certificate,
            after=snapshot(
                certificate,
                ["kind", "convoy_id", "feature_id", "change_id", "issued_by_id", "issued_role"],
            ),
        )
    return certificate


def set_workshop_clock(moment: dt.datetime) -> int:
    """Move every process's clock so that it reads `moment` now (as `manage.py set_clock`)."""
    offset = math.ceil((moment - dt.datetime.now(dt.UTC)).total_seconds())
    with transaction.atomic():
        row, _ = WorkshopClock.objects.select_for_update().get_or_create(pk=1)
        before = {"offset_seconds": row.offset_seconds}
        row.offset_seconds = offset
        row.save()
        clock.forget_cached_offset()
        record_event(
            actor=None,
            action="clock.set",
            obj=row,
            before=before,
            after={"offset_seconds": offset},
        )
    clock.forget_cached_offset()
    return offset


# --- The demo ------------------------------------------------------------------------------


@dataclass
class DemoResult:
    built: bool
    password: str | None  # set when this run issued one
    password_holders: list[str]  # the usernames this run gave it to
    crew: tuple[Member, ...] = ROSTER


@dataclass
class PlannedChange:
    feature: str  # feature name
    title: str
    author: str
    path: list[str]
    moments: list[dt.datetime]
    change: Change | None = None


class DemoBuilder:
    """Walks the two quarters through the ceremonies, in the order they happened."""

    def __init__(self, people: dict[str, AbstractBaseUser]) -> None:
        self.people = people
        self.rng = random.Random(20261001)
        self.timeline = Timeline()
        self.features: dict[tuple[int, str], Feature] = {}
        self.convoys: dict[int, Convoy] = {}
        self.pipeline = PipelineDemo(self, now=DEMO_NOW)  # Changes' ceremonies, the CRAP's

    def person(self, username: str) -> AbstractBaseUser:
        return self.people[username]

    def convoy(self, number: int) -> Convoy:
        convoy = Convoy.objects.get(number=number)
        self.convoys[number] = convoy
        return convoy

    # Seating ------------------------------------------------------------------------------

    def seat(self, member: Member, convoy: Convoy | None, actor: AbstractBaseUser | None) -> None:
        user = self.person(member.username)
        if RoleAssignment.objects.filter(user=user, role=member.role, convoy=convoy).exists():
            return
        assignment = assign_role(
            actor=actor,
            user=user,
            role=member.role,
            convoy=convoy,
            seat=member.seat,
            is_chair=member.chair,
        )
        # `assigned_at` is stamped by the database's clock, not the framework's.
        RoleAssignment.objects.filter(pk=assignment.pk).update(assigned_at=clock.now())

    def seat_standing_roles(self) -> None:
        admiral = self.person("admiral")
        self.seat(members(Role.ADMIRAL)[0], None, None)  # the first Admiral: by the system
        for member in ROSTER:
            if member.role in STANDING_ROLES and member.role != Role.ADMIRAL:
                self.seat(member, None, admiral)

    def seat_convoy_roles(self, number: int) -> None:
        convoy = self.convoy(number)
        commodore = self.person("commodore")
        for member in ROSTER:
            if member.role in PER_CONVOY_ROLES:
                self.seat(member, convoy, commodore)

    # Planning -----------------------------------------------------------------------------

    def team_for(self, plan: FeaturePlan, index: int) -> list[AbstractBaseUser]:
        engineers = squad(plan.squad)
        start = (2 * index) % len(engineers)
        chosen = (engineers[start:] + engineers[:start])[: plan.team_size]
        return [self.person(username) for username in chosen]

    def register(self, number: int, plan: FeaturePlan, index: int) -> None:
        convoy = self.convoys[number]
        captain = self.person(plan.captain)
        feature = register_feature(
            actor=captain,
            convoy=convoy,
            name=plan.name,
            captain=captain,
            team=self.team_for(plan, index),
            **plan.inputs(),
        )
        if plan.prior_deferrals:
            record_prior_deferrals(
                actor=self.person("commodore"), feature=feature, count=plan.prior_deferrals
            )
        self.features[(number, plan.name)] = feature

    def plan_tasks(self, number: int, start: dt.datetime) -> None:
        keys = sorted((k for k in self.features if k[0] == number), key=self.feature_number)
        for key, moment in zip(
            keys, business_slots(start, len(keys), (10, 12, 14, 16)), strict=True
        ):
            titles = self.rng.sample(TASK_TITLES, self.rng.randint(3, 5))
            for title in titles:
                hours = Decimal(self.rng.choice(TASK_HOURS))
                self.timeline.at(moment, self._task_step(key, title, hours))
                moment += dt.timedelta(minutes=self.rng.randrange(10, 40))

    def feature_number(self, key: tuple[int, str]) -> int:
        return self.features[key].number

    def _task_step(self, key: tuple[int, str], title: str, hours: Decimal) -> Callable[[], None]:
        def step() -> None:
            feature = self.features[key]
            add_task(actor=feature.captain, feature=feature, title=title, hours=hours)

        return step

    def advance(self, number: int, to_state: ConvoyState) -> Callable[[], None]:
        def step() -> None:
            advance_convoy(
                actor=self.person("commodore"), convoy=self.convoys[number], to_state=to_state
            )

        return step

    # Changes ------------------------------------------------------------------------------

    def plan_change(
        self, number: int, plan: FeaturePlan, index: int, path: list[str], **window: Any
    ) -> PlannedChange:
        feature = self.features[(number, plan.name)]
        team = sorted(u.username for u in feature.team.all())
        subject = plan.subjects[index % len(plan.subjects)]
        title = self.rng.choice(CHANGE_TITLES).format(subject)
        planned = PlannedChange(
            feature=plan.name,
            title=title[0].upper() + title[1:],
            author=team[(index + len(plan.name)) % len(team)],
            path=path,
            moments=timeline(self.rng, path, **window),
        )
        self.pipeline.plan(number, planned, window)
        return planned

    def _record_step(self, number: int, planned: PlannedChange) -> Callable[[], None]:
        """The Change's record; its ceremonies follow (convoy/demo_pipeline.py)."""

        def step() -> None:
            feature = self.features[(number, planned.feature)]
            planned.change = record_change(
                actor=self.person(planned.author),
                feature=feature,
                title=planned.title,
                summary=f"Part of {feature.code} {feature.name} ({self.convoys[number].code}).",
            )
            feature.refresh_from_db(fields=["status"])
            if feature.status == FeatureStatus.REGISTERED:
                set_feature_status(
                    actor=feature.captain, feature=feature, status=FeatureStatus.IN_PROGRESS
                )

        return step

    # CONVOY-26 ----------------------------------------------------------------------------

    def voyage_of_convoy_26(self) -> None:
        number, year, quarter = PREVIOUS
        admiral, commodore = self.person("admiral"), self.person("commodore")
        with clock.frozen_at(local(2026, 9, 14, 9, 30)):
            self.seat_standing_roles()
        with clock.frozen_at(local(2026, 9, 14, 9, 45)):
            self.transcribe_commitment_of_2024_q4()
        with clock.frozen_at(local(2026, 9, 14, 10, 0)):
            charter_from_paper_register(
                actor=admiral, number=number, year=year, quarter=quarter, commodore=commodore
            )
        with clock.frozen_at(local(2026, 9, 15, 9, 0)):
            self.seat_convoy_roles(number)

        tl = self.timeline
        # Alignment: the Feature Captains register their features in the first week.
        slots = business_slots(local(2026, 10, 1), len(FEATURES_26), (10, 15))
        for index, (plan, moment) in enumerate(zip(FEATURES_26, slots, strict=True)):
            tl.at(moment, lambda plan=plan, index=index: self.register(number, plan, index))
        tl.at(local(2026, 10, 12, 9), self.advance(number, ConvoyState.PROVISIONING))
        tl.run()
        self.plan_tasks(number, local(2026, 10, 12, 10))
        tl.at(local(2026, 10, 16, 9), self.advance(number, ConvoyState.CODING))

        # Coding from 19 October; every Change past Code Inspection by 1 December, on the
        # agenda before the Change Freeze (R9: 72 hours before sailing on 17 December).
        window = {"earliest": local(2026, 10, 19, 9), "deadline": local(2026, 12, 8, 17)}
        for plan in FEATURES_26:
            finals = [(s.rstrip("*"), s.endswith("*")) for s in plan.outcome]
            finals.sort(key=lambda f: f[0] not in (C.ACCEPTED, C.REJECTED))
            for index, (final, resubmitted) in enumerate(finals):
                # Each feature's first Change early (R7: Code Inspection needs one each).
                latest_start = local(2026, 10, 28, 17) if index == 0 else local(2026, 11, 6, 17)
                path = change_path(final, resubmitted=resubmitted)
                self.plan_change(number, plan, index, path, latest_start=latest_start, **window)
        tl.at(local(2026, 11, 16, 9), self.advance(number, ConvoyState.CODE_INSPECTION))
        tl.at(local(2026, 12, 1, 9), self.advance(number, ConvoyState.TESTING))
        slots = business_slots(local(2026, 12, 1, 11), len(FEATURES_26), (11, 14, 16))
        for plan, moment in zip(FEATURES_26, slots, strict=True):
            tl.at(moment, lambda plan=plan: self.certify_feature(number, plan))
        tl.at(local(2026, 12, 7, 9), self.advance(number, ConvoyState.SYSTEM_INTEGRATION_TESTING))
        tl.at(local(2026, 12, 10, 15), lambda: self.sit_sign_off(number))
        tl.at(local(2026, 12, 11, 9), self.advance(number, ConvoyState.MANIFEST_APPROVAL))
        # The sailing date: held in port in the morning, remedied, sails before evening.
        schedule_manifest_approval_26(self, number)  # R9, R38-R41 (demo_approval.py)
        tl.at(local(2026, 12, 17, 16, 40), lambda: self.sign_readiness(number))
        tl.at(local(2026, 12, 17, 17), self.advance(number, ConvoyState.SAILED))
        tl.at(local(2026, 12, 21, 9), self.advance(number, ConvoyState.FLEET_INSPECTION))
        for index, plan in enumerate(p for p in FEATURES_26 if p.ships):
            moment = local(2026, 12, 21, 10) + dt.timedelta(minutes=45 * index)
            tl.at(moment, lambda plan=plan: self.record_actuals(number, plan))
        tl.at(local(2026, 12, 23, 9), self.advance(number, ConvoyState.DRY_DOCK))
        tl.at(local(2026, 12, 30, 16), lambda: self.close(number))
        schedule_fleet_records(self, number, FEATURES_26)  # R43-R47, R52 (demo_fleet.py)
        schedule_documents_26(self, number)  # §13, R56 (demo_documents.py)
        self.metrics_history_of_convoy_26(number)
        tl.run()

    # What the Signal Report and the Flow X-ray of CONVOY-26 read (R16, R48-R53, §12) --------

    def transcribe_commitment_of_2024_q4(self) -> None:
        """R16/R48: the 8-quarter commitment locked in 2024 Q4, from the paper register: the
        denominator of CONVOY-26's Feature Completion Ratio (eight committed, six shipped)."""
        admiral = self.person("admiral")
        cycle = open_planning_cycle(actor=admiral, year=2024, quarter=4)
        for plan in FEATURES_26[:COMMITTED_26]:
            commit_feature(
                actor=admiral, cycle=cycle, name=plan.name, target_year=2026, target_quarter=3
            )
        lock_planning_cycle(actor=admiral, cycle=cycle)

    def metrics_history_of_convoy_26(self, number: int) -> None:
        """Two Dry Dock defects and the CSO's Signal Report. (The quarter's CRAP Convenings
        are held through their ceremonies by convoy.demo_pipeline.)"""
        tl = self.timeline
        tl.at(local(2026, 12, 18, 10), lambda: self.report_defect(number, 0))
        tl.at(local(2026, 12, 18, 14), lambda: self.attribute_defects(number))
        tl.at(local(2026, 12, 21, 11), lambda: self.report_defect(number, 1))
        tl.at(local(2026, 12, 22, 15), lambda: self.fix_first_defect(number))
        tl.at(local(2026, 12, 30, 15), lambda: self.reclassify_unfixed(number))
        tl.at(local(2026, 12, 30, 16, 30), lambda: self.publish_signal_report(number))

    def report_defect(self, number: int, index: int) -> None:
        title, feature_name, tier, cause = DEFECTS_26[index]
        self.convoys[number].refresh_from_db()
        feature = self.features[(number, feature_name)]
        changes = list(feature.changes.filter(state=C.ACCEPTED).order_by("pk")[:2])
        tribunal.report_defect(
            actor=self.person("qa"),
            convoy=self.convoys[number],
            title=title,
            tier=tier,
            root_cause=cause,
            changes=changes,
        )

    def attribute_defects(self, number: int) -> None:
        for defect in self.convoys[number].defects.filter(attributions__isnull=True):
            tribunal.attribute_defect(actor=self.person("diat"), defect=defect)

    def fix_first_defect(self, number: int) -> None:
        defect = self.convoys[number].defects.get(number=1)
        tribunal.fix_defect(actor=self.person("qa"), defect=defect)

    def reclassify_unfixed(self, number: int) -> None:
        self.convoys[number].refresh_from_db()
        tribunal.reclassify_unfixed(actor=self.person("commodore"), convoy=self.convoys[number])

    def publish_signal_report(self, number: int) -> None:
        """R48/R49: measured at Convoy end; 75 % notifies the Commodore and alerts the ATO."""
        self.convoys[number].refresh_from_db()
        publish_signal_report(actor=self.person("cso"), convoy=self.convoys[number])

    def certify_feature(self, number: int, plan: FeaturePlan) -> None:
        feature = self.features[(number, plan.name)]
        issue_certificate(
            actor=self.person("qa"),
            role=Role.QA,
            kind=CertificateKind.TESTING_COMPLETION,
            convoy=self.convoys[number],
            feature=feature,
            notes="Tested in isolation, ahead of System Integration Testing (R8).",
        )
        set_feature_status(actor=self.person("qa"), feature=feature, status=FeatureStatus.CERTIFIED)

    def sit_sign_off(self, number: int) -> None:
        issue_certificate(
            actor=self.person("qa"),
            role=Role.QA,
            kind=CertificateKind.SIT_SIGN_OFF,
            convoy=self.convoys[number],
            notes="All features integrated and tested together.",
        )

    def sign_readiness(self, number: int) -> None:
        """R43: the Commodore signs the checklist as computed from the records."""
        self.convoys[number].refresh_from_db()
        sign_readiness_checklist(actor=self.person("commodore"), convoy=self.convoys[number])

    def record_actuals(self, number: int, plan: FeaturePlan) -> None:
        feature = self.features[(number, plan.name)]
        actual = plan.estimated_sp + self.rng.choice((-2, 0, 3, 5, 8, 13))
        record_actual_points(actor=feature.captain, feature=feature, actual_sp=max(1, actual))

    def close(self, number: int) -> None:
        advance_convoy(
            actor=self.person("commodore"), convoy=self.convoys[number], to_state=ConvoyState.CLOSED
        )
        # R10 charters the next Convoy and seats the carried Feature Teams in it.
        successor = self.convoy(CURRENT[0])
        RoleAssignment.objects.filter(convoy=successor).update(assigned_at=clock.now())

    # CONVOY-27 ----------------------------------------------------------------------------

    def voyage_of_convoy_27(self) -> None:
        number = CURRENT[0]
        convoy = self.convoy(number)
        if (convoy.year, convoy.quarter) != CURRENT[1:]:
            raise RuntimeError(f"{convoy.code} is not in {CURRENT[1]} Q{CURRENT[2]}.")
        for feature in convoy.features.all():
            self.features[(number, feature.name)] = feature
        carried = {plan.name: plan for plan in FEATURES_26 if not plan.ships}
        with clock.frozen_at(local(2027, 1, 4, 9, 0)):
            self.seat_convoy_roles(number)

        tl = self.timeline
        slots = business_slots(local(2027, 1, 5), len(FEATURES_27), (10, 15))
        for index, (plan, moment) in enumerate(zip(FEATURES_27, slots, strict=True)):
            tl.at(moment, lambda plan=plan, index=index: self.register(number, plan, index + 3))
        tl.at(local(2027, 1, 11, 9), self.advance(number, ConvoyState.PROVISIONING))
        tl.run()
        self.plan_tasks(number, local(2027, 1, 11, 10))
        tl.at(local(2027, 1, 14, 9), self.advance(number, ConvoyState.CODING))

        plans = [plan for key, plan in carried.items() if (number, key) in self.features]
        plans += list(FEATURES_27)
        window = {
            "earliest": local(2027, 1, 14, 9),
            "latest_start": local(2027, 2, 12, 12),
            "deadline": local(2027, 2, 12, 12),
            "max_slack_days": 6,
        }
        counts: dict[str, int] = {}
        for index, final in enumerate(STATES_27):
            plan = plans[index % len(plans)]
            position = counts[plan.name] = counts.get(plan.name, -1) + 1
            path = change_path(final, resubmitted=index in RESUBMITTED_27)
            self.plan_change(number, plan, position, path, **window)
        tl.at(local(2027, 2, 5, 9), self.advance(number, ConvoyState.CODE_INSPECTION))
        schedule_manifest_approval_27(self, number)  # R9, R38 (demo_approval.py)
        tl.run()


def enlist_crew() -> tuple[dict[str, AbstractBaseUser], list[str]]:
    """The demo's people, created where missing; returns them and the usernames created."""
    user_model = get_user_model()
    existing = {u.username: u for u in user_model.objects.filter(username__in=USERNAMES)}
    created: list[str] = []
    for member in ROSTER:
        user = existing.get(member.username)
        if user is None:
            first, _, last = member.name.partition(" ")
            user = user_model(
                username=member.username,
                first_name=first,
                last_name=last,
                email=f"{member.username}@convoy.example",
            )
            user.set_unusable_password()  # until `issue_password` gives the demo's one
            user.save()
            created.append(member.username)
        if member.role == Role.ADMIRAL and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        CrewProfile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": member.name,
                "initials": member.initials,
                "team": member.team,
                "signature_reference": member.signature_reference,
            },
        )
        existing[member.username] = user
    return existing, created


def issue_password(usernames: Iterable[str]) -> str:
    """One random password for the given demo users (hashed once: hashing is slow)."""
    password = secrets.token_urlsafe(9)
    get_user_model().objects.filter(username__in=list(usernames)).update(
        password=make_password(password)
    )
    return password


def demo_exists() -> bool:
    number, year, quarter = PREVIOUS
    return Convoy.objects.filter(
        number=number, year=year, quarter=quarter, commodore__username="commodore"
    ).exists()


def refuse_foreign_records() -> None:
    """The demo claims CONVOY-26/27 and their quarters; it never writes over someone's own."""
    clashes = (
        Convoy.objects.filter(number__gte=PREVIOUS[0], year__lt=2900)
        | Convoy.objects.filter(year=PREVIOUS[1], quarter=PREVIOUS[2])
        | Convoy.objects.filter(year=CURRENT[1], quarter=CURRENT[2])
    )
    clash = clashes.order_by("number").first()
    if clash is not None:
        raise DemoRefused(
            f"{clash.code} ({clash.quarter_label}) already exists and is not the demo's. "
            "Load the demo into an empty database."
        )
    seated = RoleAssignment.objects.filter(role=Role.CRAP).exclude(user__username__in=USERNAMES)
    if seated.exists():
        raise DemoRefused(
            "The CRAP's seats are already occupied (R3). Load the demo into an empty database."
        )


class DemoRefused(Exception):
    pass


def load_demo(*, reset_passwords: bool = False, progress: Progress = print) -> DemoResult:
    """Build the demo unless it exists; issue a password to newly created demo users."""
    with transaction.atomic():
        if demo_exists():
            if not reset_passwords:
                return DemoResult(built=False, password=None, password_holders=[])
            return DemoResult(
                built=False, password=issue_password(USERNAMES), password_holders=list(USERNAMES)
            )
        refuse_foreign_records()
        people, created = enlist_crew()
        progress(f"Crew: {len(ROSTER)} people in {len(Role)} roles ({len(created)} new).")
        builder = DemoBuilder(people)
        builder.voyage_of_convoy_26()
        progress(summary(builder.convoys[PREVIOUS[0]]))
        builder.voyage_of_convoy_27()
        progress(summary(builder.convoys[CURRENT[0]]))
        set_workshop_clock(DEMO_NOW)
        reads = clock.now().astimezone(DEMO_TZ)
        progress(f"Workshop clock set: it now reads {reads:%Y-%m-%d %H:%M} ({DEMO_TZ.key}).")
        holders = list(USERNAMES) if reset_passwords else created
        password = issue_password(holders) if holders else None
    return DemoResult(built=True, password=password, password_holders=holders)


def summary(convoy: Convoy) -> str:
    convoy.refresh_from_db()
    features = convoy.features.all()
    changes = Change.objects.filter(feature__convoy=convoy)
    carried = features.filter(carried_from__isnull=False).count()
    line = (
        f"{convoy.code} ({convoy.quarter_label}): {features.count()} features"
        f"{f' ({carried} carried forward)' if carried else ''}, "
        f"{Task.objects.filter(feature__convoy=convoy).count()} tasks, "
        f"{changes.count()} Changes; {convoy.get_state_display()}"
    )
    if convoy.state == ConvoyState.CLOSED:
        shipped = features.filter(status=FeatureStatus.SHIPPED).count()
        line += f" (sailed {convoy.sailed_at.astimezone(DEMO_TZ):%Y-%m-%d}, {shipped} shipped)"
    return line + "."


# --- The stress convoy ---------------------------------------------------------------------

STRESS_FIRST_YEAR = 2900
STRESS_WEIGHTS = {
    C.DRAFT: 4,
    C.IMPACT_ASSESSMENT: 6,
    C.CODING: 12,
    C.CODE_INSPECTION: 10,
    C.TESTING: 10,
    C.DIAT_REVIEW: 8,
    C.SIGNATURES: 8,
    C.ARCHIVED: 6,
    C.ON_AGENDA: 6,
    C.ACCEPTED: 24,
    C.REJECTED: 6,
}


@dataclass
class PendingEvent:
    at: dt.datetime
    actor: AbstractBaseUser | None
    action: str
    obj: models.Model
    after: dict[str, Any]


def append_events(events: list[PendingEvent]) -> int:
    """Append events in time order, computing the chain here (one lock, one bulk insert)."""
    events = sorted(events, key=lambda e: e.at)
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev_hash = head.seq, head.hash
    rows = []
    for pending in events:
        seq += 1
        fields = {
            "seq": seq,
            "at": pending.at,
            "actor_id": pending.actor.pk if pending.actor is not None else None,
            "actor_name": pending.actor.get_username() if pending.actor is not None else "system",
            "action": pending.action,
            "object_type": pending.obj._meta.label_lower,
            "object_id": str(pending.obj.pk),
            "object_repr": str(pending.obj)[:300],
            "before": None,
            "after": json_safe(pending.after),
            "prev_hash": prev_hash,
        }
        prev_hash = event_hash(**fields)
        rows.append(AuditEvent(hash=prev_hash, **fields))
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    head.seq, head.hash = seq, prev_hash
    head.save(update_fields=["seq", "hash"])
    return len(rows)


def first_free_quarter() -> tuple[int, int]:
    taken = set(Convoy.objects.filter(year__gte=STRESS_FIRST_YEAR).values_list("year", "quarter"))
    for year in range(STRESS_FIRST_YEAR, 3000):
        for quarter in (1, 2, 3, 4):
            if (year, quarter) not in taken:
                return year, quarter
    raise DemoRefused("Every quarter from 2900 to 2999 already holds a stress convoy.")


def find_stress_convoy(changes: int) -> Convoy | None:
    return (
        Convoy.objects.filter(year__gte=STRESS_FIRST_YEAR)
        .annotate(n=Count("features__changes"))
        .filter(n=changes)
        .order_by("number")
        .first()
    )


@dataclass
class StressBuilder:
    """Bulk-inserts a stress convoy's records, collecting one audit event per record."""

    convoy: Convoy
    people: dict[str, AbstractBaseUser]
    rng: random.Random
    start: dt.datetime
    events: list[PendingEvent] = field(default_factory=list)
    appended: int = 0

    def day(self, days: float) -> dt.datetime:
        return self.start + dt.timedelta(days=days)

    def note(
        self,
        at: dt.datetime,
        actor: AbstractBaseUser,
        action: str,
        obj: models.Model,
        after: dict[str, Any],
    ) -> None:
        self.events.append(PendingEvent(at, actor, action, obj, after))

    def flush(self) -> None:
        self.appended += append_events(self.events)
        self.events = []

    def advance(self, days: float, to_state: ConvoyState) -> None:
        with clock.frozen_at(self.day(days)):
            advance_convoy(actor=self.people["commodore"], convoy=self.convoy, to_state=to_state)
        self.appended += 1

    def seat_crew(self) -> None:
        seats = [
            RoleAssignment(
                user=self.people[m.username], role=m.role, convoy=self.convoy, is_chair=m.chair
            )
            for m in ROSTER
            if m.role in PER_CONVOY_ROLES
        ]
        RoleAssignment.objects.bulk_create(seats)
        RoleAssignment.objects.filter(convoy=self.convoy).update(assigned_at=self.day(-13))
        for seat in seats:
            after = {"user_id": seat.user_id, "role": seat.role, "convoy_id": self.convoy.pk}
            self.note(self.day(-13), self.people["commodore"], "role.load", seat, after)

    def register_features(self, count: int) -> list[tuple[Feature, list[AbstractBaseUser]]]:
        captains = [self.people[m.username] for m in members(Role.FEATURE_CAPTAIN)]
        squads = [[self.people[u] for u in squad(name)] for name in SQUADS]
        rng = self.rng
        planned = []
        for n in range(1, count + 1):
            engineers = squads[n % len(squads)]
            offset = n % len(engineers)
            team = (engineers[offset:] + engineers[:offset])[:4]
            feature = Feature(
                convoy=self.convoy,
                number=n,
                name=f"Benchmark Stream {n:03d}",
                acronym="BMS",
                captain=captains[n % len(captains)],
                status=FeatureStatus.IN_PROGRESS,
                estimated_sp=rng.choice((3, 5, 8, 13, 21)),
                cost_of_delay=rng.randint(1, 10),
                political_capital_base=rng.randint(0, 8),
                executive_visibility=rng.randint(1, 10),
                acronym_quality=rng.randint(1, 5),
                created_at=self.day(rng.uniform(0, 3)),
            )
            planned.append((feature, team))
        Feature.objects.bulk_create([feature for feature, _ in planned])
        Feature.team.through.objects.bulk_create(
            Feature.team.through(feature_id=feature.pk, user_id=user.pk)
            for feature, team in planned
            for user in team
        )
        for feature, team in planned:
            after = snapshot(feature, ["number", "name", "captain_id", "estimated_sp"])
            after["team"] = sorted(u.pk for u in team)
            self.note(feature.created_at, feature.captain, "feature.load", feature, after)
        return planned

    def provision(self, features: list[Feature], per_feature: int) -> int:
        tasks = [
            Task(
                feature=feature,
                number=t,
                title=TASK_TITLES[(feature.number + t) % len(TASK_TITLES)],
                hours=Decimal(self.rng.choice(TASK_HOURS)),
                created_by=feature.captain,
                created_at=self.day(4 + self.rng.uniform(0, 2)),
            )
            for feature in features
            for t in range(1, per_feature + 1)
        ]
        Task.objects.bulk_create(tasks, batch_size=2000)
        for task in tasks:
            after = {"number": task.number, "title": task.title, "hours": task.hours}
            self.note(
                task.created_at, task.created_by, "task.load", task, after | {"name": task.name}
            )
        return len(tasks)

    def record_changes(
        self, count: int, features: list[tuple[Feature, list[AbstractBaseUser]]]
    ) -> list[Change]:
        rng = self.rng
        states, weights = list(STRESS_WEIGHTS), list(STRESS_WEIGHTS.values())
        order = {state: position for position, state in enumerate(CHANGE_PIPELINE)}
        rows = []
        for i in range(count):
            feature, team = features[i % len(features)]
            drawn = rng.choices(states, weights=weights)[0]
            # Every feature's first Change is accepted, so each holds one (R7).
            state = C.ACCEPTED if i < len(features) else drawn
            created = self.day(7 + rng.uniform(0, 30))
            title = CHANGE_TITLES[i % len(CHANGE_TITLES)].format(f"module {i % 17}")
            past_coding = order[state] >= order[C.CODE_INSPECTION]
            rows.append(
                Change(
                    feature=feature,
                    title=title[0].upper() + title[1:],
                    author=team[i % len(team)],
                    state=state,
                    resubmission_count=1 if state == C.ACCEPTED and i % 9 == 0 else 0,
                    lines_added=rng.randint(5, 800) if past_coding else 0,
                    lines_removed=rng.randint(0, 200) if past_coding else 0,
                    created_at=created,
                    state_changed_at=created
                    + dt.timedelta(days=order[state] * rng.uniform(0.5, 1.3)),
                )
            )
        Change.objects.bulk_create(rows, batch_size=2000)
        for change in rows:
            after = snapshot(change, ["feature_id", "title", "author_id", "state"])
            self.note(change.created_at, change.author, "change.load", change, after)
        return rows

    def certify(self, changes: list[Change]) -> int:
        """R22: a Testing Completion Certificate for each Change past testing."""
        qa = (self.people["qa"], self.people["qa.mensah"])
        certificates = [
            Certificate(
                kind=CertificateKind.TESTING_COMPLETION,
                convoy=self.convoy,
                feature=change.feature,
                change=change,
                issued_by=qa[change.pk % 2],
                issued_role=Role.QA.value,
                issued_at=change.created_at + (change.state_changed_at - change.created_at) * 0.6,
            )
            for change in changes
            if change.state in PAST_TESTING
        ]
        Certificate.objects.bulk_create(certificates, batch_size=2000)
        for cert in certificates:
            after = {"kind": cert.kind, "change_id": cert.change_id, "issued_role": "QA"}
            self.note(cert.issued_at, cert.issued_by, "certificate.load", cert, after)
        return len(certificates)


def build_stress_convoy(*, changes: int, progress: Progress = print) -> tuple[Convoy, bool]:
    """A Convoy of exactly `changes` Changes in the first free quarter from 2900 Q1.

    For benchmarks: about one feature per 50 Changes, three tasks each, Changes spread over
    the pipeline, Testing Completion Certificates for those past testing. Records are bulk
    inserted in their final state, one audit event each (`*.load`); the Convoy itself is
    chartered and advanced to Code Inspection through the ceremonies. Returns the Convoy
    and whether it was built now (False: one with exactly `changes` Changes existed).
    """
    if changes < 1:
        raise DemoRefused("A stress convoy needs at least one Change.")
    existing = find_stress_convoy(changes)
    if existing is not None:
        return existing, False
    people = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    year, quarter = first_free_quarter()
    start = dt.datetime.combine(quarter_bounds(year, quarter)[0], dt.time(9), tzinfo=DEMO_TZ)
    with transaction.atomic():
        with clock.frozen_at(start - dt.timedelta(days=14)):
            convoy = create_convoy(
                actor=people["admiral"],
                year=year,
                quarter=quarter,
                sailing_date=default_sailing_date(year, quarter),
                commodore=people["commodore"],
            )
        # Events are appended in time order, the Convoy's own moves between them.
        build = StressBuilder(convoy, people, random.Random(changes), start, appended=1)
        build.seat_crew()
        features = build.register_features(min(999, max(1, changes // 50)))
        build.flush()
        build.advance(4, ConvoyState.PROVISIONING)
        tasks = build.provision([feature for feature, _ in features], per_feature=3)
        build.flush()
        build.advance(7, ConvoyState.CODING)
        rows = build.record_changes(changes, features)
        certificates = build.certify(rows)
        build.flush()
        build.advance(56, ConvoyState.CODE_INSPECTION)
    progress(
        f"{convoy.code} ({convoy.quarter_label}): {len(features)} features, {tasks} tasks, "
        f"{changes} Changes, {certificates} certificates; {build.appended} audit events."
    )
    return convoy, True
