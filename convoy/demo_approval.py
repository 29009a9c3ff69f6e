"""The demo's Manifest Approval history (R9, R18, R36, R38–R41), run through the ceremonies.

CONVOY-26 (sailing Thursday 17 December 2026):
- October: the EARB admits the words of every feature name to the Book of Names and admits
  each name (R18).
- 1–10 December: each Feature Captain assembles the feature's Manifest section, each signer
  signs; the Convoy-level attestations are filed and signed. Two items are left: F006's SOS
  Minutes filed but unsigned, and the DIAT integrity validation sign-off not filed.
- 4 December: the CSO announces the Change Freeze (R9), which starts 14 December.
- 15 December: Samir Haddad files an Absence Attestation Form for the sailing date.
- 17 December, 09:00: the Committee convenes (Eva Holmberg absent; quorum 3 of 4), the roll
  call notes Mette Sørensen absent without a form, six presentations, deliberation over the two
  deficiencies, four votes to approve: "The Fleet Is Held in Port." (R39). The Remediation
  Window opens (R41); the two items are remedied by 13:30; the Committee reconvenes at 15:30,
  walks the agenda again and at 16:20 finds "The Fleet May Sail."; the bell is rung (R40).

CONVOY-27 (sailing 17 March 2027, in Code Inspection at the demo's "now"): the CSO has
announced its Change Freeze, and a Feature Captain has filed an Absence Attestation Form for
its sailing date. Its Committee has not yet sat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from convoy import clock
from convoy.ceremonies import manifest_approval as ma
from convoy.ceremonies.freeze import announce_freeze
from convoy.ceremonies.manifest import SIGNING_ROLE, file_document, sign_document
from convoy.ceremonies.names import admit_word, rule_on_name, submit_name
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    FEATURE_DOCUMENT_KINDS,
    BookOfNamesWord,
    DocumentKind,
    Feature,
    ManifestDocument,
    Role,
)

if TYPE_CHECKING:
    from convoy.demo import DemoBuilder

K = DocumentKind
SIGNERS = {
    Role.CSET: "cset",
    Role.QA: "qa",
    Role.EARB: "earb",
    Role.DIAT: "diat",
    Role.COMMODORE: "commodore",
}
UNSIGNED_26 = (6, K.SOS_MINUTES)  # filed, its Feature Captain's signature still to come
MISSING_26 = K.DIAT_INTEGRITY_SIGN_OFF  # not filed before the first sitting
PRESENT_26 = ("csc.chair", "csc.mbeki", "csc.garrido")  # csc.holmberg is absent
ATTESTED_ABSENT_26 = "fc.haddad"
NOTED_ABSENT_26 = "fc.sorensen"
SPOKEN_SECONDS = (290, 300, 345, 270, 305, 298)  # Feature Captains run over, sometimes


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    from convoy.demo import local as demo_local

    return demo_local(year, month, day, hour, minute)


def _body(kind: str, subject: str) -> str:
    return (
        f"{DocumentKind(kind).label} of {subject}, prepared under the SADMF Document Standards "
        "Guide v14.2 and filed for the Convoy Steering Committee."
    )


def _signer(builder: DemoBuilder, kind: str, feature: Feature | None):  # noqa: ANN202
    role = SIGNING_ROLE[DocumentKind(kind)]
    if role == Role.FEATURE_CAPTAIN:
        assert feature is not None
        return feature.captain
    return builder.person(SIGNERS[role])


def file_item(builder: DemoBuilder, number: int, feature: Feature | None, kind: str) -> None:
    convoy = builder.convoys[number]
    signer = _signer(builder, kind, feature)
    filer = feature.captain if feature is not None else signer
    document = file_document(
        actor=filer,
        convoy=convoy,
        feature=feature,
        kind=kind,
        body=_body(kind, feature.code if feature else convoy.code),
    )
    if (feature.number if feature else None, kind) != UNSIGNED_26:
        sign_document(actor=signer, document=document)


def make_names_compliant(builder: DemoBuilder, number: int) -> None:
    """R18: the EARB admits each word, each Feature Captain submits, the EARB admits the name."""
    earb = builder.person("earb")
    features = builder.convoys[number].features.order_by("number")
    words = {w.lower() for f in features for w in f.name.split()}
    known = set(BookOfNamesWord.objects.values_list("word", flat=True))
    for word in sorted(words - known):
        admit_word(actor=earb, word=word)
    for feature in features:
        submission = submit_name(actor=feature.captain, feature=feature)
        rule_on_name(actor=earb, submission=submission, admit=True)


def _step(function: Callable[..., object], *args: object, **kwargs: object) -> Callable[[], None]:
    def step() -> None:
        function(*args, **kwargs)

    return step


def _sitting(builder: DemoBuilder, number: int):  # noqa: ANN202
    return ma.open_sitting(builder.convoys[number])


def schedule_manifest(builder: DemoBuilder, number: int) -> None:
    tl = builder.timeline
    tl.at(local(2026, 10, 13, 11), _step(make_names_compliant, builder, number))
    features = sorted(
        (f for (n, _), f in builder.features.items() if n == number), key=lambda f: f.number
    )
    for index, feature in enumerate(features):
        for offset, kind in enumerate(FEATURE_DOCUMENT_KINDS):
            at = local(2026, 12, 1 + index % 9, 10) + dt.timedelta(minutes=20 * offset)
            tl.at(at, _step(file_item, builder, number, feature, kind))
    for offset, kind in enumerate(CONVOY_DOCUMENT_KINDS):
        if kind != MISSING_26:
            at = local(2026, 12, 10, 11) + dt.timedelta(minutes=30 * offset)
            tl.at(at, _step(file_item, builder, number, None, kind))


def _convene(builder: DemoBuilder, number: int) -> None:
    ma.convene_sitting(
        actor=builder.person("commodore"),
        convoy=builder.convoys[number],
        present=[builder.person(u) for u in PRESENT_26],
    )


def _roll_call(builder: DemoBuilder, number: int) -> None:
    absent = {ATTESTED_ABSENT_26, NOTED_ABSENT_26}
    present = [s.captain for s in ma.captain_slots(builder.convoys[number])]
    ma.take_roll_call(
        actor=builder.person("commodore"),
        sitting=_sitting(builder, number),
        present=[c for c in present if c.username not in absent],
    )


def _present(builder: DemoBuilder, number: int, seconds: int) -> None:
    commodore, sitting = builder.person("commodore"), _sitting(builder, number)
    slot = ma.next_presenter(sitting)
    assert slot is not None
    ma.start_presentation(actor=commodore, sitting=sitting, captain=slot.captain)
    with clock.frozen_at(clock.now() + dt.timedelta(seconds=seconds)):
        ma.end_presentation(actor=commodore, sitting=sitting)


def _vote(builder: DemoBuilder, number: int, member: str) -> None:
    ma.cast_vote(actor=builder.person(member), sitting=_sitting(builder, number), approve=True)


def _commodore(function: Callable[..., object], builder: DemoBuilder, number: int):  # noqa: ANN202
    return lambda: function(actor=builder.person("commodore"), sitting=_sitting(builder, number))


def schedule_sitting(builder: DemoBuilder, number: int, start: dt.datetime) -> None:
    """The whole agenda of R38 from `start`: about 80 minutes."""
    tl = builder.timeline
    tl.at(start, _step(_convene, builder, number))
    tl.at(start + dt.timedelta(minutes=5), _step(_roll_call, builder, number))
    at = start + dt.timedelta(minutes=10)
    for seconds in SPOKEN_SECONDS:
        tl.at(at, _step(_present, builder, number, seconds))
        at += dt.timedelta(minutes=7)
    tl.at(at, _commodore(ma.begin_deliberation, builder, number))
    tl.at(at + dt.timedelta(minutes=20), _commodore(ma.call_vote, builder, number))
    for index, member in enumerate(PRESENT_26):
        moment = at + dt.timedelta(minutes=22 + 2 * index)
        tl.at(moment, _step(_vote, builder, number, member))
    tl.at(at + dt.timedelta(minutes=30), _commodore(ma.announce_verdict, builder, number))


def _remedy_sos_minutes(builder: DemoBuilder, number: int) -> None:
    feature_number, kind = UNSIGNED_26
    document = (
        ManifestDocument.objects.filter(
            convoy=builder.convoys[number], feature__number=feature_number, kind=kind
        )
        .order_by("-version")
        .first()
    )
    assert document is not None
    sign_document(actor=document.feature.captain, document=document)


def schedule_manifest_approval_26(builder: DemoBuilder, number: int) -> None:
    """CONVOY-26: its Manifest, its Change Freeze, and the two sittings of 17 December."""
    tl = builder.timeline
    schedule_manifest(builder, number)
    tl.at(
        local(2026, 12, 4, 10),
        lambda: announce_freeze(actor=builder.person("cso"), convoy=builder.convoys[number]),
    )
    tl.at(
        local(2026, 12, 15, 11),
        lambda: ma.file_absence_attestation(
            actor=builder.person(ATTESTED_ABSENT_26),
            convoy=builder.convoys[number],
            absent_on=dt.date(2026, 12, 17),
            reason="Attending the Transformation Office's mandatory offsite.",
        ),
    )
    schedule_sitting(builder, number, local(2026, 12, 17, 9))  # Held in Port at 10:32
    tl.at(local(2026, 12, 17, 12), _step(_remedy_sos_minutes, builder, number))
    tl.at(local(2026, 12, 17, 13, 30), _step(file_item, builder, number, None, MISSING_26))
    schedule_sitting(builder, number, local(2026, 12, 17, 14, 45))  # May Sail at 16:17


def schedule_manifest_approval_27(builder: DemoBuilder, number: int) -> None:
    """CONVOY-27: the freeze announced, an absence attested ahead of its sailing date."""
    tl = builder.timeline
    tl.at(
        local(2027, 2, 12, 10),
        lambda: announce_freeze(actor=builder.person("cso"), convoy=builder.convoys[number]),
    )
    tl.at(
        local(2027, 2, 12, 14),
        lambda: ma.file_absence_attestation(
            actor=builder.person(ATTESTED_ABSENT_26),
            convoy=builder.convoys[number],
            absent_on=builder.convoys[number].sailing_date,
            reason="Presenting the quarter's metrics to the Admiral's Transformation Office.",
        ),
    )
