"""The Convoy Manifest (§6, R36, R37): filing and signing its documents.

Each feature's section holds eight items; the Convoy holds five attestations. An item is
written (a body of text) or uploaded (a file). Every filing is a new version that supersedes
the previous one; versions are never edited. Each version records the SADMF Document Standards
Guide version it follows (R37) and is signed by the role `SIGNING_ROLE` names.

Who files:
- a feature's items: its Feature Captain, who assembles the section, or the Commodore;
- a Convoy-level attestation: a holder of the role that signs it, or the Commodore.

Who signs: a holder of `SIGNING_ROLE[kind]`; for an item the Feature Captain signs, only the
Feature Captain of that feature. Anyone else is refused (R4). A signature is verified when the
signer holds the required role at signing time and has a signature reference on file (the
reference R23 verifies signatures against). A signature made without a reference on file is
recorded, unverified, and listed as a deficiency; it is collected again once the signer's
reference is on file, and only that signature is collected again. A verified signature is final
(R59): a correction is a new version.

Uploads are checked by their bytes, never by their name: PDF, PNG, plain UTF-8 text, and Word
(.docx) or Excel (.xlsx) documents without macros. When the file name carries an extension,
it must agree with the content. Size is limited by `settings.SADMF_MAX_UPLOAD_BYTES`; the
stored name is random (`manifest_upload_path`) and the original name is kept for display.

A form posted twice (a double click, a reload) files one version: filing exactly the content
and standards version of the current version again, by the same person within
`REPEAT_WINDOW`, returns that version instead of creating another. Outside that window the
same content is refused: a new version must differ from the one it supersedes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.names import formal_moment
from convoy.ceremonies.remediation import remedy_key
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import (
    CONVOY_DOCUMENT_KINDS,
    DOCUMENT_STANDARDS_VERSION,
    FEATURE_DOCUMENT_KINDS,
    Convoy,
    DocumentKind,
    Feature,
    ManifestDocument,
    Role,
)

K = DocumentKind

# The one table of who signs what. Items the Feature Captain signs are signed by the Feature
# Captain of that feature.
SIGNING_ROLE: dict[DocumentKind, Role] = {
    # Each feature's section (§6).
    K.FEATURE_SPECIFICATION: Role.FEATURE_CAPTAIN,
    K.CODING_COMPLETION_CERTIFICATE: Role.FEATURE_CAPTAIN,
    K.CODE_INSPECTION_REPORT: Role.CSET,
    K.TESTING_EVIDENCE_PACKAGE: Role.QA,
    K.SIT_SIGN_OFF: Role.QA,
    K.SAD_UPDATE: Role.EARB,
    K.SOS_MINUTES: Role.FEATURE_CAPTAIN,
    K.DEPENDENCY_ATTESTATION_FORM: Role.FEATURE_CAPTAIN,
    # Convoy-level attestations (§6).
    K.CSET_COMPLETION_CERTIFICATES: Role.CSET,
    K.EARB_NAMING_ATTESTATION: Role.EARB,
    K.QA_CERTIFICATION_REPORTS: Role.QA,
    K.DIAT_INTEGRITY_SIGN_OFF: Role.DIAT,
    K.COMMODORE_APPROVAL_STAMP: Role.COMMODORE,
}

MAX_BODY_CHARS = 50_000  # longer documents are uploaded as files
REPEAT_WINDOW = dt.timedelta(seconds=60)
STANDARDS_VERSION_PATTERN = re.compile(r"\d{1,3}(?:\.\d{1,3}){0,2}")

DOCUMENT_FIELDS = [
    "convoy_id",
    "feature_id",
    "kind",
    "version",
    "standards_version",
    "original_filename",
    "content_type",
    "size",
    "sha256",
    "supersedes_id",
]
SIGNATURE_FIELDS = ["signed_by_id", "signed_role", "signed_at", "signature_verified"]


# Kinds and their addresses ------------------------------------------------------------------


def kind_slug(kind: str) -> str:
    return str(kind).lower().replace("_", "-")


def kind_from_slug(slug: str) -> DocumentKind | None:
    value = slug.upper().replace("-", "_")
    return DocumentKind(value) if value in DocumentKind.values else None


def filing_role(kind: DocumentKind) -> Role:
    """The role responsible for putting the item on file (R36)."""
    return Role.FEATURE_CAPTAIN if kind in FEATURE_DOCUMENT_KINDS else SIGNING_ROLE[kind]


def subject_code(convoy: Convoy, feature: Feature | None) -> str:
    return feature.code if feature is not None else convoy.code


def item_title(kind: DocumentKind, convoy: Convoy, feature: Feature | None) -> str:
    return f"the {DocumentKind(kind).label} of {subject_code(convoy, feature)}"


# Permissions -----------------------------------------------------------------------------------


def may_file(
    held: frozenset[Role], actor: AbstractBaseUser, feature: Feature | None, kind: DocumentKind
) -> bool:
    """For pages: whether a person holding `held` may file the item (mirrors `require_filer`)."""
    if Role.COMMODORE in held:
        return True
    if kind in FEATURE_DOCUMENT_KINDS:
        return (
            feature is not None and Role.FEATURE_CAPTAIN in held and feature.captain_id == actor.pk
        )
    return SIGNING_ROLE[kind] in held


def may_sign(
    held: frozenset[Role], actor: AbstractBaseUser, feature: Feature | None, kind: DocumentKind
) -> bool:
    """For pages: whether a person holding `held` may sign the item (mirrors `require_signer`)."""
    required = SIGNING_ROLE[kind]
    if required not in held:
        return False
    if required == Role.FEATURE_CAPTAIN:
        return feature is not None and feature.captain_id == actor.pk
    return True


def require_filer(
    actor: AbstractBaseUser, convoy: Convoy, feature: Feature | None, kind: DocumentKind
) -> Role:
    action = f"Filing {item_title(kind, convoy, feature)}"
    if kind in FEATURE_DOCUMENT_KINDS:
        role = require_role(actor, convoy, Role.COMMODORE, Role.FEATURE_CAPTAIN, action=action)
        if role == Role.FEATURE_CAPTAIN and feature.captain_id != actor.pk:
            raise ProcessViolation(
                "R4",
                f"{action} requires its Feature Captain, {display_name(feature.captain)}, or "
                f"the Commodore. {display_name(actor)} is neither.",
            )
        return role
    return require_role(actor, convoy, SIGNING_ROLE[kind], Role.COMMODORE, action=action)


def require_signer(
    actor: AbstractBaseUser, convoy: Convoy, feature: Feature | None, kind: DocumentKind
) -> Role:
    required = SIGNING_ROLE[kind]
    action = f"Signing {item_title(kind, convoy, feature)}"
    role = require_role(actor, convoy, required, action=action)
    if required == Role.FEATURE_CAPTAIN and feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R4",
            f"{action} requires its Feature Captain, {display_name(feature.captain)}. "
            f"{display_name(actor)} is not.",
        )
    return role


# Uploads -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extension: str


PDF = FileType("a PDF document", "application/pdf", ".pdf")
PNG = FileType("a PNG image", "image/png", ".png")
TEXT = FileType("plain UTF-8 text", "text/plain; charset=utf-8", ".txt")
DOCX = FileType(
    "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
XLSX = FileType(
    "an Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsx",
)
ACCEPTED_TYPES = (PDF, PNG, TEXT, DOCX, XLSX)
ACCEPTED_TYPES_TEXT = (
    "PDF (.pdf), PNG (.png), plain UTF-8 text (.txt), Word (.docx) and Excel (.xlsx)"
)
_BY_EXTENSION = {t.extension: t for t in ACCEPTED_TYPES}
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")
_MARKUP_STARTS = (
    "<!doctype",
    "<html",
    "<head",
    "<body",
    "<script",
    "<iframe",
    "<svg",
    "<?xml",
    "<!--",
)
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: an accepted type, or a description of what they are instead."""

    type: FileType | None
    description: str


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return Sniffed(None, "a damaged ZIP archive")
    if "[Content_Types].xml" in names:
        macros = any(n.lower().endswith("vbaproject.bin") for n in names)
        if "word/document.xml" in names:
            return Sniffed(None, "a Word document with macros") if macros else Sniffed(DOCX, "")
        if "xl/workbook.xml" in names:
            return Sniffed(None, "an Excel workbook with macros") if macros else Sniffed(XLSX, "")
    return Sniffed(None, "a ZIP archive that is neither a Word nor an Excel document")


def _sniff_text(data: bytes) -> Sniffed:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Sniffed(None, f"not valid UTF-8 text (an invalid byte at position {error.start})")
    text = text.removeprefix("\ufeff")
    if any((ord(ch) < 32 and ch not in _ALLOWED_CONTROLS) or ord(ch) == 127 for ch in text):
        return Sniffed(None, "binary data (control characters that plain text does not hold)")
    if text.lstrip().lower().startswith(_MARKUP_STARTS):
        return Sniffed(None, "an HTML or XML document")
    return Sniffed(TEXT, "")


def sniff(data: bytes) -> Sniffed:
    """The type of an upload, from its bytes alone."""
    if data.startswith(b"%PDF-"):
        return Sniffed(PDF, "")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(PNG, "")
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(b"\x7fELF"):
        return Sniffed(None, "an executable program (ELF)")
    if data.startswith(b"MZ"):
        return Sniffed(None, "a Windows executable")
    return _sniff_text(data)


@dataclass(frozen=True)
class CheckedUpload:
    data: bytes
    type: FileType
    original_filename: str
    size: int
    sha256: str


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """R37: refuse an upload that is empty, too large, or not what the Manifest accepts."""
    name = os.path.basename(upload.name or "").strip() or "upload"
    limit = settings.SADMF_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ProcessViolation(
            "R37",
            f"'{name}' is {_size_text(upload.size)} ({upload.size:,} bytes); the Manifest "
            f"accepts files of at most {_size_text(limit)} ({limit:,} bytes).",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ProcessViolation(
            "R37",
            f"'{name}' is larger than {_size_text(limit)} ({limit:,} bytes), the most the "
            "Manifest accepts.",
        )
    if not data:
        raise ProcessViolation("R37", f"'{name}' is empty. An empty file documents nothing.")
    sniffed = sniff(data)
    stem, extension = os.path.splitext(name)
    extension = extension.lower() if _EXTENSION.fullmatch(extension.lower()) else ""
    claimed = _BY_EXTENSION.get(extension)
    if extension and claimed is None:
        raise ProcessViolation(
            "R37",
            f"'{name}': the Manifest accepts {ACCEPTED_TYPES_TEXT} documents, not "
            f"{extension} files.",
        )
    if claimed is not None and sniffed.type != claimed:
        actual = sniffed.type.name if sniffed.type is not None else sniffed.description
        raise ProcessViolation(
            "R37",
            f"'{name}' is named as {claimed.name}, but its content is {actual}. "
            "The Manifest judges a file by its content, not its name.",
        )
    if sniffed.type is None:
        raise ProcessViolation(
            "R37",
            f"The content of '{name}' is {sniffed.description}. The Manifest accepts "
            f"{ACCEPTED_TYPES_TEXT} documents.",
        )
    return CheckedUpload(
        data=data,
        type=sniffed.type,
        original_filename=name[:255],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# Filing --------------------------------------------------------------------------------------


def _check_level(convoy: Convoy, feature: Feature | None, kind: DocumentKind) -> None:
    if feature is not None and feature.convoy_id != convoy.pk:
        raise ProcessViolation("R36", f"{feature.code} is not a feature of {convoy.code}.")
    if kind in FEATURE_DOCUMENT_KINDS and feature is None:
        raise ProcessViolation(
            "R36", f"The {kind.label} belongs to a feature's section; name the feature."
        )
    if kind in CONVOY_DOCUMENT_KINDS and feature is not None:
        raise ProcessViolation(
            "R36",
            f"The {kind.label} is a Convoy-level attestation of {convoy.code}, not an item of "
            f"{feature.code}'s section.",
        )


def _check_standards_version(standards_version: str) -> str:
    standards_version = (standards_version or "").strip()
    if not STANDARDS_VERSION_PATTERN.fullmatch(standards_version):
        raise ProcessViolation(
            "R37",
            f"'{standards_version[:20]}' is not a version of the SADMF Document Standards "
            f"Guide. Versions are written like {DOCUMENT_STANDARDS_VERSION}.",
        )
    return standards_version


def _check_body(body: str) -> str:
    if "\x00" in body:
        raise ProcessViolation("R37", "A written document may not contain NUL characters.")
    if len(body) > MAX_BODY_CHARS:
        raise ProcessViolation(
            "R37",
            f"A written document may be at most {MAX_BODY_CHARS:,} characters long; this one "
            f"has {len(body):,}. A longer document is uploaded as a file.",
        )
    return body


def _current_version(
    convoy: Convoy, feature: Feature | None, kind: DocumentKind
) -> ManifestDocument | None:
    return (
        ManifestDocument.objects.filter(convoy=convoy, feature=feature, kind=kind)
        .order_by("-version")
        .first()
    )


def file_document(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    feature: Feature | None = None,
    kind: str,
    body: str = "",
    upload: UploadedFile | None = None,
    standards_version: str = DOCUMENT_STANDARDS_VERSION,
    sign: bool = False,
) -> ManifestDocument:
    """File a new version of a Manifest item, written (`body`) or uploaded (`upload`).

    The version records the Document Standards Guide version it follows (R37); one filed
    under another version is accepted and listed as a formatting deficiency. With `sign`,
    the filer signs the new version in the same transaction (when they may sign it).
    """
    if kind not in DocumentKind.values:
        raise ProcessViolation("R36", f"'{kind}' is not an item of the Manifest.")
    kind = DocumentKind(kind)
    refuse_if_closed(convoy, remedying=remedy_key(feature, kind))  # R41
    _check_level(convoy, feature, kind)
    require_filer(actor, convoy, feature, kind)  # R4
    if sign:
        require_signer(actor, convoy, feature, kind)  # R4
    standards_version = _check_standards_version(standards_version)  # R37
    written = bool(body and body.strip())
    if written and upload is not None:
        raise ProcessViolation(
            "R36", "A Manifest document is either written or uploaded, not both."
        )
    if not written and upload is None:
        raise ProcessViolation(
            "R36", f"Filing {item_title(kind, convoy, feature)} needs its text or its file."
        )
    if written:
        body = _check_body(body)
        content = body.encode("utf-8")
        checked = None
        digest, size = hashlib.sha256(content).hexdigest(), len(content)
    else:
        checked = check_upload(upload)  # R37
        digest, size = checked.sha256, checked.size

    with transaction.atomic():
        # Versions are numbered under a lock on their subject, so two filings never share one.
        if feature is not None:
            Feature.objects.select_for_update().get(pk=feature.pk)
        else:
            Convoy.objects.select_for_update().get(pk=convoy.pk)
        current = _current_version(convoy, feature, kind)
        now = clock.now()
        if (
            current is not None
            and current.sha256 == digest
            and current.standards_version == standards_version
            and bool(current.file) == (checked is not None)
        ):
            if current.filed_by_id == actor.pk and now - current.filed_at <= REPEAT_WINDOW:
                return current  # the same form posted twice: one version
            raise ProcessViolation(
                "R36",
                f"{current.get_kind_display()} v{current.version} of "
                f"{subject_code(convoy, feature)} already holds exactly this content under "
                f"standards version {standards_version}. A new version must differ from the "
                "one it supersedes.",
            )
        document = ManifestDocument(
            convoy=convoy,
            feature=feature,
            kind=kind,
            version=(current.version + 1) if current is not None else 1,
            standards_version=standards_version,
            body=body if written else "",
            size=size,
            sha256=digest,
            filed_by=actor,
            filed_at=now,
            supersedes=current,
        )
        if checked is not None:
            document.original_filename = checked.original_filename
            document.content_type = checked.type.content_type
            # Stored under a random name (manifest_upload_path); the upload's name is not used.
            document.file.save(checked.original_filename, upload, save=False)
        try:
            document.save()
            record_event(
                actor=actor,
                action="manifest.file",
                obj=document,
                after=snapshot(document, DOCUMENT_FIELDS),
            )
            if sign:
                _sign(actor, document)
        except BaseException:
            if checked is not None:
                document.file.delete(save=False)
            raise
    return document


# Signing -------------------------------------------------------------------------------------


def signature_verifies(actor: AbstractBaseUser, document: ManifestDocument) -> bool:
    """Verified: the signer holds the required role now, at signing (for an item the Feature
    Captain signs, as that feature's captain), and has a signature reference on file (R23)."""
    if not may_sign(roles_of(actor, document.convoy), actor, document.feature, document.kind):
        return False
    crew = getattr(actor, "crew", None)
    return bool(crew is not None and crew.signature_reference.strip())


def _sign(actor: AbstractBaseUser, document: ManifestDocument) -> ManifestDocument:
    before = snapshot(document, SIGNATURE_FIELDS)
    document.signed_by = actor
    document.signed_role = SIGNING_ROLE[DocumentKind(document.kind)]
    document.signed_at = clock.now()
    document.signature_verified = signature_verifies(actor, document)
    document.save(update_fields=["signed_by", "signed_role", "signed_at", "signature_verified"])
    record_event(
        actor=actor,
        action="manifest.sign",
        obj=document,
        before=before,
        after=snapshot(document, SIGNATURE_FIELDS),
    )
    return document


def sign_document(*, actor: AbstractBaseUser, document: ManifestDocument) -> ManifestDocument:
    """The holder of the item's signing role signs its current version.

    An unverified signature is collected again; a verified one is final (R59).
    """
    refuse_if_closed(document.convoy, remedying=remedy_key(document.feature, document.kind))
    require_signer(actor, document.convoy, document.feature, DocumentKind(document.kind))  # R4
    with transaction.atomic():
        document = (
            ManifestDocument.objects.select_for_update(of=("self",))
            .select_related("convoy", "feature__captain__crew", "signed_by__crew")
            .get(pk=document.pk)
        )
        latest = ManifestDocument.objects.filter(
            convoy=document.convoy_id, feature=document.feature_id, kind=document.kind
        ).aggregate(v=Max("version"))["v"]
        subject = subject_code(document.convoy, document.feature)
        if latest != document.version:
            raise ProcessViolation(
                "R59",
                f"{document.get_kind_display()} v{document.version} of {subject} has been "
                f"superseded by v{latest}. Only the current version is signed.",
            )
        if document.signed_by_id is not None and document.signature_verified:
            raise ProcessViolation(
                "R59",
                f"{document.get_kind_display()} v{document.version} of {subject} was signed by "
                f"{display_name(document.signed_by)} on {formal_moment(document.signed_at)}. "
                "A signed record is final; a correction is a new version.",
            )
        return _sign(actor, document)
