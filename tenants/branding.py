"""The tenant's brand as clients see it: logo, colour and where answers go, on the portal, in emails and
on PDFs. Reads and checks live here; ``tenants.services`` saves them.

- A logo is a PNG, JPEG or WebP (never SVG, which can carry script), at most ``LOGO_MAX_BYTES`` and
  ``LOGO_MAX_SIDE`` pixels a side, recognised by decoding it with Pillow (not by its name or the type
  the browser claimed). It is stored under ``tenants/<tenant_id>/branding/`` with a random name and served
  only through views that check the tenant (staff of it, or a portal link of it).
- A brand colour is ``#rrggbb``. Text on it is white or near-black, whichever contrasts more (WCAG
  relative luminance), so any colour stays readable; on white pages it colours text and links only when
  it reaches the AA ratio (4.5:1) there, else the default ink is kept.
"""

from __future__ import annotations

import base64
import io
import re
import uuid
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_COLOUR = "#1f4e79"
LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#000000"
AA_CONTRAST = 4.5

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 2000
# Pillow's format name -> (content type, file suffix).
LOGO_FORMATS = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"), "WEBP": ("image/webp", ".webp")}
LOGO_HELP = (
    "PNG, JPEG or WebP, at most 1 MB and 2000 × 2000 pixels. A wide logo on a transparent background "
    "looks best."
)

_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


# --- Colour -----------------------------------------------------------------------------------------


def normalise_colour(value: str) -> str:
    """``#rrggbb`` in lower case from ``#rgb`` / ``rrggbb`` / ``#RRGGBB``; "" stays "" (the default
    colour); anything else is a ValidationError on ``brand_colour``."""
    value = (value or "").strip()
    if not value:
        return ""
    match = _HEX.match(value)
    if not match:
        raise ValidationError({"brand_colour": "Give the colour as a hex code such as #1f4e79."})
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return f"#{digits}"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background`` (one of them always reaches 4.5:1)."""
    if contrast_ratio(background, LIGHT_TEXT) >= contrast_ratio(background, DARK_TEXT):
        return LIGHT_TEXT
    return DARK_TEXT


@dataclass(frozen=True)
class Brand:
    """What pages, emails and PDFs need to dress themselves in the tenant's brand."""

    colour: str  # backgrounds: the header, buttons
    text_on_colour: str  # text on those backgrounds
    ink: str  # headings and links on white: the colour if readable there, else the default
    has_logo: bool
    logo_version: str  # changes with the logo, for cache-busting URLs

    @property
    def colour_rgb(self) -> str:
        return ", ".join(str(v) for v in _rgb(self.colour))

    @property
    def ink_rgb(self) -> str:
        return ", ".join(str(v) for v in _rgb(self.ink))


def brand_for(tenant) -> Brand:
    colour = tenant.brand_colour or DEFAULT_COLOUR
    ink = colour if contrast_ratio(colour, LIGHT_TEXT) >= AA_CONTRAST else DEFAULT_COLOUR
    logo_name = tenant.logo.name if tenant.logo else ""
    return Brand(
        colour=colour,
        text_on_colour=text_colour_on(colour),
        ink=ink,
        has_logo=bool(logo_name),
        logo_version=uuid.uuid5(uuid.NAMESPACE_URL, logo_name).hex[:12] if logo_name else "",
    )


# --- Logo -------------------------------------------------------------------------------------------


def logo_path(tenant, filename: str) -> str:
    """Each tenant's logo under its own folder, named by a random id (never by what was uploaded)."""
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return f"tenants/{tenant.pk}/branding/logo-{uuid.uuid4().hex}{suffix[:6]}"


@dataclass(frozen=True)
class CheckedLogo:
    content: bytes
    content_type: str
    suffix: str


def check_logo(upload) -> CheckedLogo:
    """The logo's bytes, content type and suffix, or a ValidationError on ``logo`` saying what is wrong.
    The type is what Pillow decodes, whatever the file's name or the browser said."""
    from PIL import Image, UnidentifiedImageError

    if upload.size is not None and upload.size > LOGO_MAX_BYTES:
        raise ValidationError({"logo": "The logo is larger than 1 MB. Export it smaller and try again."})
    upload.seek(0)
    content = upload.read(LOGO_MAX_BYTES + 1)
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": "The logo is larger than 1 MB. Export it smaller and try again."})
    if not content:
        raise ValidationError({"logo": "The file is empty."})
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format
            width, height = image.size
            if image_format in LOGO_FORMATS and width <= LOGO_MAX_SIDE and height <= LOGO_MAX_SIDE:
                image.verify()  # a truncated or corrupt file fails here, not in the reader's browser
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"logo": f"This file is not an image we accept: {LOGO_HELP}"}) from None
    if image_format not in LOGO_FORMATS:
        raise ValidationError({"logo": f"This type of image is not accepted: {LOGO_HELP}"})
    if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
        raise ValidationError(
            {"logo": f"The logo is {width} × {height} pixels; at most {LOGO_MAX_SIDE} a side, please."}
        )
    content_type, suffix = LOGO_FORMATS[image_format]
    return CheckedLogo(content=content, content_type=content_type, suffix=suffix)


def logo_bytes(tenant) -> bytes | None:
    """The stored logo, or None (none uploaded, or its file is missing)."""
    if not tenant.logo:
        return None
    try:
        with tenant.logo.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def logo_data_uri(tenant) -> str:
    """The logo as a ``data:`` URI, for PDFs (WeasyPrint embeds it; no file URL into MEDIA_ROOT)."""
    content = logo_bytes(tenant)
    if not content or not tenant.logo_type:
        return ""
    return f"data:{tenant.logo_type};base64,{base64.b64encode(content).decode('ascii')}"


# --- Email ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailHeaders:
    from_email: str | None
    reply_to: list[str] | None


def from_address(tenant) -> str:
    """``"<Tenant name>" <Accord's sending address>``; Accord's own From when it has no plain address."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = " ".join(tenant.name.split())  # no line breaks in a header
    try:
        return str(Address(display_name=name, addr_spec=address)) if name and address else ""
    except (ValueError, IndexError, HeaderParseError):  # a malformed setting: send as configured
        return settings.DEFAULT_FROM_EMAIL


def email_headers(tenant, *, reply_to: str | None = None) -> EmailHeaders:
    """The From and Reply-To of every email sent for ``tenant``: from Accord's address under the tenant's
    name (the only address our mail domain may send from); answers to ``reply_to`` when the caller names
    one, else to the tenant's reply-to address, else nowhere special."""
    reply_to = (reply_to or tenant.reply_to_email or "").strip()
    return EmailHeaders(from_email=from_address(tenant) or None, reply_to=[reply_to] if reply_to else None)


# --- PDF --------------------------------------------------------------------------------------------


def pdf_context(tenant) -> dict:
    """What a PDF template needs for the brand: ``brand`` and ``brand_logo`` (a data URI or "")."""
    return {"brand": brand_for(tenant), "brand_logo": logo_data_uri(tenant)}


def pdf_css(tenant) -> str:
    """A stylesheet laid over a PDF's own: headings and rules in the brand's ink, the logo's box."""
    ink = brand_for(tenant).ink  # a validated #rrggbb, readable on white
    return (
        f"h1, h2, .wordmark, table.totals .balance th, table.totals .balance td {{ color: {ink}; }}\n"
        f"table.lines th {{ color: {ink}; border-bottom-color: {ink}; }}\n"
        f".reason {{ border-left-color: {ink}; }}\n"
        ".brand-logo { margin: 0 0 4mm; }\n"
        ".brand-logo img { max-height: 16mm; max-width: 60mm; }\n"
    )
