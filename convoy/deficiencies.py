"""The Manifest's deficiency list (R36): what the Convoy Steering Committee deliberates on.

`deficiency_list(convoy, feature=None)` is the one place that decides what is deficient. The
feature page, the Convoy's Manifest page, the Manifest Approval ceremony and the exports all
read it. It covers, at any moment:

- every feature item and Convoy-level attestation not on file (its current version counts);
- every current version unsigned, or signed without a verified signature;
- every current version filed under a Document Standards Guide version other than 14.2 (R37);
- every feature whose name is not compliant (R18): its latest name submission is not
  admitted, was made for another name, or its name has a word not in the Book of Names.

Each deficiency names the role responsible for remedying it and the page where that is done.
The records are read in a constant number of queries, whatever the number of features
(`load_manifest`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.urls import reverse

from convoy.ceremonies.manifest import (
    SIGNING_ROLE,
    filing_role,
    kind_slug,
    subject_code,
)
from convoy.ceremonies.names import (
    NameWord,
    check_name,
    formal_moment,
    name_lookup_forms,
    resubmission_opens_at,
    words_in_book,
)
from convoy.ceremonies.roles import display_name
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    DOCUMENT_STANDARDS_VERSION,
    FEATURE_DOCUMENT_KINDS,
    Convoy,
    DocumentKind,
    Feature,
    ManifestDocument,
    NameSubmission,
    NameVerdict,
    Role,
)


class DeficiencyKind(models.TextChoices):
    MISSING_DOCUMENT = "MISSING_DOCUMENT", "Missing document"
    UNSIGNED = "UNSIGNED", "Missing signature"
    UNVERIFIED_SIGNATURE = "UNVERIFIED_SIGNATURE", "Unverified signature"
    WRONG_STANDARDS_VERSION = "WRONG_STANDARDS_VERSION", "Formatting deficiency"
    NON_COMPLIANT_NAME = "NON_COMPLIANT_NAME", "Non-compliant name"


@dataclass(frozen=True)
class Deficiency:
    kind: DeficiencyKind
    rule: str
    subject: str  # the feature's code, or the Convoy's
    item: str
    role: Role  # responsible for remedying it
    message: str
    url: str  # where it is remedied
    feature: Feature | None = None
    document_kind: DocumentKind | None = None
    document: ManifestDocument | None = None


@dataclass
class ManifestItem:
    """One item of the Manifest as it stands: its current version (if any) and its history."""

    kind: DocumentKind
    convoy: Convoy
    feature: Feature | None
    current: ManifestDocument | None
    versions: int
    url: str

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def signing_role(self) -> Role:
        return SIGNING_ROLE[self.kind]


@dataclass
class FeatureSection:
    feature: Feature
    items: list[ManifestItem]
    name_words: list[NameWord]
    name_submission: NameSubmission | None

    @property
    def captain_sign_offs(self) -> tuple[int, int]:
        """(signed and verified, required) among the items its Feature Captain signs."""
        mine = [i for i in self.items if i.signing_role == Role.FEATURE_CAPTAIN]
        signed = sum(1 for i in mine if i.current is not None and i.current.signature_verified)
        return signed, len(mine)


@dataclass
class ManifestRecords:
    convoy: Convoy
    sections: list[FeatureSection]
    attestations: list[ManifestItem] = field(default_factory=list)


def feature_item_url(convoy: Convoy, feature: Feature, kind: str) -> str:
    return reverse(
        "convoy:manifest_feature_item", args=[convoy.number, feature.number, kind_slug(kind)]
    )


def convoy_item_url(convoy: Convoy, kind: str) -> str:
    return reverse("convoy:manifest_convoy_item", args=[convoy.number, kind_slug(kind)])


def name_check_url(convoy: Convoy, feature: Feature) -> str:
    return reverse("convoy:feature_detail", args=[convoy.number, feature.number]) + "#name-check"


def load_manifest(convoy: Convoy, feature: Feature | None = None) -> ManifestRecords:
    """The Manifest's records in four queries: features, documents, name submissions, words.

    With `feature`, only that feature's section (and no Convoy-level attestations).
    """
    features = convoy.features.select_related("captain__crew").order_by("number")
    documents = ManifestDocument.objects.filter(convoy=convoy).select_related(
        "signed_by__crew", "filed_by__crew"
    )
    submissions = NameSubmission.objects.filter(feature__convoy=convoy)
    if feature is not None:
        features = features.filter(pk=feature.pk)
        documents = documents.filter(feature=feature)
        submissions = submissions.filter(feature=feature)
    features = list(features)
    # Bodies can be long and are not needed to judge an item.
    documents = documents.defer("body").order_by("feature_id", "kind", "-version")

    current: dict[tuple[int | None, str], ManifestDocument] = {}
    counts: dict[tuple[int | None, str], int] = defaultdict(int)
    for document in documents:
        key = (document.feature_id, document.kind)
        counts[key] += 1
        current.setdefault(key, document)
        document.convoy = convoy

    latest_submission: dict[int, NameSubmission] = {}
    for submission in submissions.order_by("feature_id", "-submitted_at", "-id"):
        latest_submission.setdefault(submission.feature_id, submission)

    book = words_in_book(name_lookup_forms(f.name for f in features))

    sections = []
    for feat in features:
        feat.convoy = convoy
        items = []
        for kind in FEATURE_DOCUMENT_KINDS:
            document = current.get((feat.pk, kind))
            if document is not None:
                document.feature = feat
            items.append(
                ManifestItem(
                    kind=kind,
                    convoy=convoy,
                    feature=feat,
                    current=document,
                    versions=counts[(feat.pk, kind)],
                    url=feature_item_url(convoy, feat, kind),
                )
            )
        sections.append(
            FeatureSection(
                feature=feat,
                items=items,
                name_words=check_name(feat.name, book),
                name_submission=latest_submission.get(feat.pk),
            )
        )
    attestations = []
    if feature is None:
        for kind in CONVOY_DOCUMENT_KINDS:
            attestations.append(
                ManifestItem(
                    kind=kind,
                    convoy=convoy,
                    feature=None,
                    current=current.get((None, kind)),
                    versions=counts[(None, kind)],
                    url=convoy_item_url(convoy, kind),
                )
            )
    return ManifestRecords(convoy=convoy, sections=sections, attestations=attestations)


def _the(label: str) -> str:
    """'The Feature Specification'; a label that has its own article keeps it alone."""
    return label if label.startswith("The ") else f"The {label}"


def _signer_text(item: ManifestItem) -> str:
    role = item.signing_role
    if role == Role.FEATURE_CAPTAIN and item.feature is not None:
        return f"its Feature Captain, {display_name(item.feature.captain)}"
    if role == Role.COMMODORE:
        return f"the Commodore, {display_name(item.convoy.commodore)}"
    return f"the {role.label}"


def item_deficiencies(item: ManifestItem) -> list[Deficiency]:
    subject = subject_code(item.convoy, item.feature)
    common = {
        "subject": subject,
        "item": item.label,
        "url": item.url,
        "feature": item.feature,
        "document_kind": item.kind,
        "document": item.current,
    }
    document = item.current
    if document is None:
        return [
            Deficiency(
                kind=DeficiencyKind.MISSING_DOCUMENT,
                rule="R36",
                role=filing_role(item.kind),
                message=f"{_the(item.label)} of {subject} is not on file.",
                **common,
            )
        ]
    found = []
    named = f"{item.label} v{document.version} of {subject}"
    if document.signed_by_id is None:
        found.append(
            Deficiency(
                kind=DeficiencyKind.UNSIGNED,
                rule="R36",
                role=item.signing_role,
                message=f"{named} awaits the signature of {_signer_text(item)}.",
                **common,
            )
        )
    elif not document.signature_verified:
        found.append(
            Deficiency(
                kind=DeficiencyKind.UNVERIFIED_SIGNATURE,
                rule="R36",
                role=item.signing_role,
                message=(
                    f"The signature of {display_name(document.signed_by)} on {named} is not "
                    f"verified. It must be collected again from {_signer_text(item)}."
                ),
                **common,
            )
        )
    if document.standards_version != DOCUMENT_STANDARDS_VERSION:
        found.append(
            Deficiency(
                kind=DeficiencyKind.WRONG_STANDARDS_VERSION,
                rule="R37",
                role=filing_role(item.kind),
                message=(
                    f"{named} follows the SADMF Document Standards Guide "
                    f"v{document.standards_version}, not v{DOCUMENT_STANDARDS_VERSION}: a "
                    "formatting deficiency. A new version is filed under "
                    f"v{DOCUMENT_STANDARDS_VERSION}."
                ),
                **common,
            )
        )
    return found


def _name_deficiency(section: FeatureSection) -> Deficiency | None:
    feature = section.feature
    submission = section.name_submission
    offending = [w.word for w in section.name_words if not w.admitted]
    not_in_book = (
        " Not in the Book of Names: " + ", ".join(f"'{w}'" for w in offending) + "."
        if offending
        else ""
    )
    name = f"The name '{feature.name}' of {feature.code}"
    role = Role.FEATURE_CAPTAIN
    if submission is None:
        message = f"{name} has not been submitted to the EARB."
    elif submission.verdict == NameVerdict.PENDING:
        role = Role.EARB
        message = (
            f"{name} has awaited the EARB's ruling since {formal_moment(submission.submitted_at)}."
        )
        if submission.name != feature.name:
            role = Role.FEATURE_CAPTAIN
            message = f"{name} differs from the name awaiting the EARB, '{submission.name}'."
    elif submission.verdict == NameVerdict.REJECTED:
        opens_at = resubmission_opens_at(submission)
        message = (
            f"The EARB rejected the name '{submission.name}' of {feature.code} on "
            f"{formal_moment(submission.ruled_at)}. It may be resubmitted on or after "
            f"{formal_moment(opens_at)}."
        )
    elif submission.name != feature.name:
        message = (
            f"{name} has not been submitted to the EARB; the name it admitted was "
            f"'{submission.name}'."
        )
    elif offending:
        message = f"{name} was admitted by the EARB, but not every word is in the Book of Names."
    else:
        return None
    return Deficiency(
        kind=DeficiencyKind.NON_COMPLIANT_NAME,
        rule="R18",
        subject=feature.code,
        item="Feature name",
        role=role,
        message=message + not_in_book,
        url=name_check_url(section.feature.convoy, feature),
        feature=feature,
    )


def section_deficiencies(section: FeatureSection) -> list[Deficiency]:
    found = []
    name = _name_deficiency(section)
    if name is not None:
        found.append(name)
    for item in section.items:
        found.extend(item_deficiencies(item))
    return found


def deficiency_list(
    convoy: Convoy, feature: Feature | None = None, records: ManifestRecords | None = None
) -> list[Deficiency]:
    """R36: every deficiency of the Convoy's Manifest (or of one feature's section), each with
    the responsible role. Features in feature-number order, then the Convoy-level attestations.

    Pass `records` from `load_manifest` when the caller has already read them.
    """
    if records is None:
        records = load_manifest(convoy, feature)
    found: list[Deficiency] = []
    for section in records.sections:
        found.extend(section_deficiencies(section))
    for item in records.attestations:
        found.extend(item_deficiencies(item))
    return found


def by_role(deficiencies: list[Deficiency]) -> list[tuple[Role, list[Deficiency]]]:
    """The list grouped by responsible role, roles in the order of §1."""
    groups: dict[Role, list[Deficiency]] = defaultdict(list)
    for deficiency in deficiencies:
        groups[deficiency.role].append(deficiency)
    return [(role, groups[role]) for role in Role if role in groups]
