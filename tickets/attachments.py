"""Files on tickets: what is accepted, storing them, and who sees which.

- A file is accepted by its content, not its name or the type the browser claimed: JPEG, PNG, WebP and
  HEIC photos (what phones take), PDF, ZIP, and plain UTF-8 text named .txt, .csv or .log. Anything else
  (HTML, SVG, executables...) is refused with the list of what is accepted.
- At most ``MAX_FILE_BYTES`` a file and ``MAX_FILES`` an upload; an empty file is refused. All files of an
  upload are checked before any is stored, so a refused upload stores nothing.
- Stored under ``tenants/<tenant_id>/tickets/<ticket_id>/<random>`` (tickets.models.attachment_path) with
  their SHA-256; served only through views that check the viewer may see the ticket: the tenant's staff,
  or a portal link's client for its own tickets and only files marked public (the client's own uploads
  always are; staff choose).

Call everything inside the ticket's tenant.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import actor_label
from tickets import services
from tickets.models import Ticket, TicketAttachment

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = (
    10  # a request larger than all of them is refused earlier: settings.ACCORD_UPLOAD_MAX_REQUEST_BYTES
)
ACCEPTED_HELP = "Photos (JPEG, PNG, WebP, HEIC), PDF, ZIP or text (.txt, .csv, .log), up to 10 MB each."
# For the file input's accept attribute: a hint to the picker; the content check has the last word.
ACCEPT_ATTRIBUTE = "image/*,.heic,.heif,application/pdf,.pdf,application/zip,.zip,.txt,.csv,.log,text/plain"

# content type -> the suffixes a file of that type may keep in its download name (the first is added to
# a name that has none of them, so a saved file opens as what it is).
SUFFIXES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "application/pdf": (".pdf",),
    "application/zip": (".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods"),
    "text/plain": (".txt", ".log"),
    "text/csv": (".csv",),
}
TEXT_SUFFIXES = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv"}
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}  # shown in the browser; everything else downloads
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The content type of a file starting with ``head`` (its first 4 KB), or None if not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "application/zip"
    suffix = PurePath(filename).suffix.lower()
    if suffix in TEXT_SUFFIXES and _is_plain_text(head):
        return TEXT_SUFFIXES[suffix]
    return None


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 4  # a multi-byte character cut at the end of the head is fine
    return True


def clean_name(filename: str, content_type: str) -> str:
    """The uploaded name without folders or characters a file system refuses, ending in a suffix of
    its checked type."""
    name = " ".join(_UNSAFE_NAME.sub(" ", PurePath(filename or "").name).split()) or "file"
    suffixes = SUFFIXES[content_type]
    if PurePath(name).suffix.lower() not in suffixes:
        name = f"{name}{suffixes[0]}"
    if len(name) > 200:
        stem, suffix = name[: name.rfind(".")], name[name.rfind(".") :]
        name = stem[: 200 - len(suffix)] + suffix
    return name


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    name: str
    content_type: str
    size: int


def check_files(uploads) -> list[CheckedFile]:
    """Every file checked (count, size, type by content), or one ValidationError on ``files`` naming each
    refused file and why; nothing is stored by this."""
    uploads = list(uploads)
    if not uploads:
        raise ValidationError({"files": "Choose at least one file."})
    if len(uploads) > MAX_FILES:
        raise ValidationError({"files": f"At most {MAX_FILES} files at a time, please."})
    checked, problems = [], []
    for upload in uploads:
        shown = PurePath(upload.name or "file").name
        if upload.size > MAX_FILE_BYTES:
            problems.append(f"{shown} is larger than 10 MB.")
            continue
        if not upload.size:
            problems.append(f"{shown} is empty.")
            continue
        upload.seek(0)
        head = upload.read(4096)
        upload.seek(0)
        content_type = sniff_content_type(head, upload.name or "")
        if content_type is None:
            problems.append(f"{shown} is not a type of file we accept.")
            continue
        checked.append(CheckedFile(upload, clean_name(upload.name, content_type), content_type, upload.size))
    if problems:
        raise ValidationError({"files": [*problems, f"Accepted: {ACCEPTED_HELP}"]})
    return checked


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def add_attachments(
    ticket: Ticket, *, uploads, user=None, contact=None, api_key=None, is_public: bool = True, now=None
) -> list[TicketAttachment]:
    """Attach ``uploads`` to ``ticket`` after check_files accepts all of them (else nothing is stored),
    uploaded by a staff ``user``, a client's ``contact`` (always public) or an ``api_key``. Records
    ``attachment.added`` in the ticket's history. A file written before a failure is deleted again."""
    checked = check_files(uploads)
    now = now or timezone.now()
    actor = actor_label(user, contact=contact, api_key=api_key)
    ticket = Ticket.objects.get(pk=ticket.pk)  # within the caller's tenant: another tenant's is not found
    created, stored = [], []
    try:
        for item in checked:
            attachment = TicketAttachment(
                tenant_id=ticket.tenant_id,
                ticket=ticket,
                uploaded_by=user,
                uploaded_by_contact=contact,
                uploaded_by_label=actor,
                is_public=True if contact is not None else is_public,
                original_name=item.name,
                content_type=item.content_type,
                size=item.size,
                sha256=_sha256(item.upload),
                created_at=now,
            )
            attachment.file.save("upload", item.upload, save=False)
            stored.append(attachment.file)
            attachment.save()
            created.append(attachment)
        services._history(
            ticket,
            "attachment.added",
            actor=actor,
            at=now,
            files=[a.original_name for a in created],
            public=created[0].is_public,
        )
    except BaseException:
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return created


# --- Reads ------------------------------------------------------------------------------------------


def staff_attachments(ticket: Ticket) -> list[TicketAttachment]:
    """Every file on the ticket, oldest first (staff of its tenant see them all)."""
    return list(
        TicketAttachment.objects.filter(ticket=ticket).select_related("uploaded_by", "uploaded_by_contact")
    )


def public_attachments(ticket: Ticket) -> list[TicketAttachment]:
    """The files the ticket's client sees: theirs and those staff shared."""
    return list(
        TicketAttachment.objects.filter(ticket=ticket, is_public=True).select_related("uploaded_by_contact")
    )


def is_inline(attachment: TicketAttachment) -> bool:
    return attachment.content_type in INLINE_TYPES


def file_response(attachment: TicketAttachment):
    """The file as a download (photos shown inline), its checked type never sniffed, never cached on the
    way, and sandboxed should a browser render it anyway. Http404 if the stored file is missing."""
    from django.http import FileResponse, Http404

    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=not is_inline(attachment),
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def size_words(size: int) -> str:
    """'820 KB', '3.4 MB': for lists."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
