"""Shared set-up for the Manifest Approval, Change Freeze and Emergency Sail tests: a Convoy
in Manifest Approval on its sailing date, a seated CSC, and a Manifest to complete."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from convoy import clock
from convoy.ceremonies.manifest import file_document, sign_document
from convoy.ceremonies.manifest_approval import (
    announce_verdict,
    begin_deliberation,
    call_vote,
    cast_vote,
    convene_sitting,
    end_presentation,
    next_presenter,
    start_presentation,
    take_roll_call,
)
from convoy.ceremonies.names import admit_word, rule_on_name, submit_name
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    FEATURE_DOCUMENT_KINDS,
    Convoy,
    ConvoyState,
    DocumentKind,
    ManifestDocument,
    Role,
    RoleAssignment,
)
from tests.factories import person

K = DocumentKind
SAILING_DAY = dt.date(2027, 3, 17)


def sailing_morning(hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(SAILING_DAY, dt.time(hour, 0)))


@dataclass
class Committee:
    world: object
    chair: object
    members: list
    cset: object
    earb: object
    diat: object

    @property
    def convoy(self) -> Convoy:
        return Convoy.objects.get(pk=self.world.convoy.pk)

    @property
    def everyone(self) -> list:
        return [self.chair, *self.members]


def seat_committee(world, *, chair=None, members=("csc.ames", "csc.bell")) -> Committee:
    """A 3-member CSC (the chair and two), the Manifest's signers, and two features."""
    chair = chair or person("csc.chair")
    RoleAssignment.objects.create(user=chair, role=Role.CSC, convoy=world.convoy, is_chair=True)
    seated = [person(name, Role.CSC, convoy=world.convoy) for name in members]
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Sync Ledger", captain=world.other_captain)
    return Committee(
        world=world,
        chair=chair,
        members=seated,
        cset=person("cset.ito", Role.CSET),
        earb=person("earb.nakamura", Role.EARB),
        diat=person("diat.osei", Role.DIAT),
    )


def put_in_manifest_approval(committee: Committee, moment: dt.datetime | None = None) -> None:
    Convoy.objects.filter(pk=committee.world.convoy.pk).update(state=ConvoyState.MANIFEST_APPROVAL)
    committee.world.convoy.refresh_from_db()
    clock.travel_to(moment or sailing_morning())


def _signer(committee: Committee, kind: str, feature) -> object:
    return {
        K.CODE_INSPECTION_REPORT: committee.cset,
        K.TESTING_EVIDENCE_PACKAGE: committee.world.qa,
        K.SIT_SIGN_OFF: committee.world.qa,
        K.SAD_UPDATE: committee.earb,
        K.CSET_COMPLETION_CERTIFICATES: committee.cset,
        K.EARB_NAMING_ATTESTATION: committee.earb,
        K.QA_CERTIFICATION_REPORTS: committee.world.qa,
        K.DIAT_INTEGRITY_SIGN_OFF: committee.diat,
        K.COMMODORE_APPROVAL_STAMP: committee.world.commodore,
    }.get(kind, feature.captain if feature is not None else None)


def file_and_sign(committee: Committee, kind: str, feature=None) -> ManifestDocument:
    signer = _signer(committee, kind, feature)
    filer = feature.captain if feature is not None else signer
    document = file_document(
        actor=filer, convoy=committee.world.convoy, feature=feature, kind=kind, body="Filed."
    )
    return sign_document(actor=signer, document=document)


def complete_manifest(committee: Committee, *, leave=()) -> None:
    """File and sign every item and make every name compliant, except `leave` ((code, kind))."""
    world = committee.world
    for word in ("ledger", "sync"):
        admit_word(actor=committee.earb, word=word)
    for feature in world.convoy.features.order_by("number"):
        submission = submit_name(actor=feature.captain, feature=feature)
        rule_on_name(actor=committee.earb, submission=submission, admit=True)
        for kind in FEATURE_DOCUMENT_KINDS:
            if (feature.code, kind) not in leave:
                file_and_sign(committee, kind, feature)
    for kind in CONVOY_DOCUMENT_KINDS:
        if (world.convoy.code, kind) not in leave:
            file_and_sign(committee, kind)


def walk_to_vote(committee: Committee, *, present=None):
    """Convene, roll call (every Feature Captain present), presentations, deliberation, vote."""
    world = committee.world
    commodore = world.commodore
    sitting = convene_sitting(
        actor=commodore,
        convoy=committee.convoy,
        present=committee.everyone if present is None else present,
    )
    take_roll_call(actor=commodore, sitting=sitting, present=[world.captain, world.other_captain])
    while (slot := next_presenter(sitting)) is not None:
        start_presentation(actor=commodore, sitting=sitting, captain=slot.captain)
        clock.travel_to(clock.now() + dt.timedelta(minutes=4))
        end_presentation(actor=commodore, sitting=sitting)
    begin_deliberation(actor=commodore, sitting=sitting)
    call_vote(actor=commodore, sitting=sitting)
    return sitting


def run_sitting(committee: Committee, *, approve=True, present=None):
    """A whole sitting: every present member votes `approve`; returns it after the verdict."""
    sitting = walk_to_vote(committee, present=present)
    voters = committee.everyone if present is None else present
    for member in voters:
        cast_vote(actor=member, sitting=sitting, approve=approve)
    return announce_verdict(actor=committee.world.commodore, sitting=sitting)
