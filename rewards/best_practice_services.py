"""Writing the best-practices program: the checklist, the tiers, and the checks staff record.

Checks are history: recorded once, never edited or deleted; the next check of a practice supersedes it.
Evidence files are validated (type by content, size) and kept in Django's default storage under the
tenant's and client's folder; only ``rewards.views_best_practices.EvidenceView`` serves them, to staff of
that tenant.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.actors import actor_label
from rewards.models import CheckResult, ComplianceStanding, ComplianceTier, Practice, PracticeCheck
from tenants.localtime import tenant_today
from tenants.scope import current_tenant

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# What evidence may be, by suffix: the content type we serve it as, and how its content must start.
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
}
EVIDENCE_HELP = "PDF, PNG, JPEG, TXT or CSV, up to 10 MB."


# --- The checklist --------------------------------------------------------------------------------------


def _weight(value) -> int:
    try:
        weight = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({"weight": "The weight is a whole number, like 3."}) from None
    if not 1 <= weight <= 100:
        raise ValidationError({"weight": "The weight is a whole number from 1 to 100."})
    return weight


def _months(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        months = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {"valid_for_months": "Re-verify after a whole number of months, like 12."}
        ) from None
    if not 1 <= months <= 120:
        raise ValidationError({"valid_for_months": "Re-verify after 1 to 120 months, or leave it empty."})
    return months


@transaction.atomic
def save_practice(
    practice: Practice | None = None,
    *,
    name: str,
    description: str = "",
    weight,
    valid_for_months=None,
) -> Practice:
    """Add a practice at the end of the checklist, or change one. Names are unique per tenant whatever
    their case. Changing a weight changes every score from now on; recorded checks stay as they were."""
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise ValidationError({"name": "Name the practice, e.g. 'Backups verified'."})
    weight, months = _weight(weight), _months(valid_for_months)
    same_name = Practice.objects.annotate(lower=Lower("name")).filter(lower=name.lower()[:120])
    if practice is not None:
        same_name = same_name.exclude(pk=practice.pk)
    if same_name.exists():
        raise ValidationError({"name": f"There is already a practice named “{name}”."})
    if practice is None:
        last = Practice.objects.aggregate(last=Max("position"))["last"]
        practice = Practice(tenant=current_tenant(), position=(last or 0) + 1)
    practice.name, practice.description = name[:120], description[:500]
    practice.weight, practice.valid_for_months = weight, months
    practice.save()
    return practice


@transaction.atomic
def move_practice(practice: Practice, *, up: bool) -> None:
    """Swap the practice with its neighbour on the active checklist. Nothing happens at either end."""
    active = list(
        Practice.objects.select_for_update().filter(archived_at__isnull=True).order_by("position", "id")
    )
    index = next((i for i, each in enumerate(active) if each.pk == practice.pk), None)
    if index is None:
        raise ValidationError("An archived practice has no place on the checklist; restore it first.")
    other = index - 1 if up else index + 1
    if not 0 <= other < len(active):
        return
    active[index], active[other] = active[other], active[index]
    for position, each in enumerate(active, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])


@transaction.atomic
def archive_practice(practice: Practice) -> Practice:
    """Take the practice off the checklist (and out of every score); its checks are kept. Idempotent."""
    if practice.archived_at is None:
        practice.archived_at = timezone.now()
        practice.save(update_fields=["archived_at"])
    return practice


@transaction.atomic
def restore_practice(practice: Practice) -> Practice:
    """Put an archived practice back, at the end of the checklist. Idempotent."""
    if practice.archived_at is not None:
        last = Practice.objects.filter(archived_at__isnull=True).aggregate(last=Max("position"))["last"]
        practice.archived_at = None
        practice.position = (last or 0) + 1
        practice.save(update_fields=["archived_at", "position"])
    return practice


# --- Tiers ----------------------------------------------------------------------------------------------


def _percent(value, *, field: str, label: str) -> Decimal:
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} is a percentage, like 75."}) from None
    if not percent.is_finite() or not Decimal("0") < percent <= Decimal("100"):
        raise ValidationError({field: f"{label} is a percentage above 0 and at most 100."})
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{label} has at most two decimals."})
    return percent


@transaction.atomic
def save_tier(
    tier: ComplianceTier | None = None, *, name: str, threshold_percent, discount_percent
) -> ComplianceTier:
    """Add or change a compliance tier. Clients move to it at the next rewards run; a changed discount
    is a new grant from that run's day."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the tier, e.g. 'Gold'."})
    threshold = _percent(threshold_percent, field="threshold_percent", label="The score to reach")
    discount = _percent(discount_percent, field="discount_percent", label="The discount")
    others = ComplianceTier.objects.exclude(pk=tier.pk) if tier else ComplianceTier.objects.all()
    if others.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a tier named “{name}”."})
    if others.filter(threshold_percent=threshold).exists():
        raise ValidationError({"threshold_percent": "Another tier starts at this score; each needs its own."})
    tier = tier or ComplianceTier(tenant=current_tenant())
    tier.name, tier.threshold_percent, tier.discount_percent = name[:60], threshold, discount
    tier.save()
    return tier


@transaction.atomic
def delete_tier(tier: ComplianceTier) -> None:
    """Remove a tier no client holds (the rewards already granted keep its name)."""
    if ComplianceStanding.objects.filter(tier=tier).exists():
        raise ValidationError(
            f"Clients hold {tier.name} now. Raise its score instead, or delete it once nobody holds it."
        )
    tier.delete()


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter (31 Jan + 1 = 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- Checks ---------------------------------------------------------------------------------------------


def validate_evidence(upload) -> tuple[str, str]:
    """(suffix, content type) of an acceptable evidence file, or a ValidationError saying what is wrong."""
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": f"This type of file is not accepted: {EVIDENCE_HELP}"})
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"evidence": "The file is larger than 10 MB."})
    if upload.size == 0:
        raise ValidationError({"evidence": "The file is empty."})
    content_type, signatures = EVIDENCE_TYPES[suffix]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if signatures and not any(head.startswith(signature) for signature in signatures):
        raise ValidationError({"evidence": f"The file's content is not a {suffix[1:].upper()}."})
    if not signatures:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # a multi-byte character cut at 2048 bytes is fine
                raise ValidationError({"evidence": "A text file must be plain UTF-8 text."}) from None
        if b"\x00" in head:
            raise ValidationError({"evidence": "A text file must be plain UTF-8 text."})
    return suffix, content_type


@transaction.atomic
def record_check(
    client,
    *,
    practice: Practice,
    result: str,
    checked_on: date,
    by,
    note: str = "",
    evidence=None,
    today: date | None = None,
) -> PracticeCheck:
    """Record what staff found for one practice of one client on ``checked_on`` (not in the future), with
    an optional note and evidence file. A new row every time: earlier checks stay as history. The check
    expires after the practice's ``valid_for_months``, if it has one."""
    if result not in CheckResult.values:
        raise ValidationError({"result": "Choose met, not met or not applicable."})
    if practice.archived_at is not None:
        raise ValidationError({"practice": f"“{practice.name}” is archived; restore it to record checks."})
    if practice.tenant_id != client.tenant_id:
        raise ValidationError({"practice": "Choose a practice of this checklist."})
    today = today or tenant_today()
    if checked_on > today:
        raise ValidationError({"checked_on": "A check cannot be dated in the future."})
    note = (note or "").strip()
    if result == CheckResult.NOT_MET and not note and not evidence:
        raise ValidationError({"note": "Say what is missing, so the client knows what to fix."})
    check = PracticeCheck(
        tenant_id=client.tenant_id,
        client=client,
        practice=practice,
        result=result,
        note=note[:1000],
        checked_on=checked_on,
        expires_on=months_after(checked_on, practice.valid_for_months) if practice.valid_for_months else None,
        checked_by=by,
        checked_by_name=actor_label(by),
    )
    if evidence:
        suffix, content_type = validate_evidence(evidence)
        check.evidence_name = PurePath(evidence.name).name[:200]
        check.evidence_type = content_type
        check.evidence_size = evidence.size
        # The stored name comes from evidence_path: tenant and client folders, a random file name.
        check.evidence.save(f"evidence{suffix}", evidence, save=False)
    check.save()
    return check
