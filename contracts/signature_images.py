"""A drawn signature as the signer's browser posts it: a ``data:image/png;base64,...`` URL from the
signature pad (static/js/signature-pad.js). What is kept is checked first, so the evidence and the PDF
never hold something that is not a small, real, non-empty PNG:

- at most ``MAX_BYTES`` once decoded, starting with the PNG signature;
- it decodes as a PNG of ``MIN_SIZE`` to ``MAX_SIZE`` pixels (the pad is wider than tall);
- something was drawn: at least ``MIN_INK_PIXELS`` pixels are not transparent or white.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from PIL import Image, ImageChops, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 300 * 1024
MIN_SIZE = (100, 40)
MAX_SIZE = (2400, 1200)
MIN_INK_PIXELS = 30


def _invalid(message: str) -> ValidationError:
    return ValidationError({"drawn_signature": message})


def _ink_pixels(image) -> int:
    # Ink is whatever is neither transparent nor (near) white: the pad draws dark strokes on nothing.
    rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").point(lambda value: 255 if value > 32 else 0)
    dark = rgba.convert("L").point(lambda value: 255 if value < 224 else 0)
    return ImageChops.multiply(alpha, dark).histogram()[255]


def clean_drawn_signature(data_url: str) -> bytes | None:
    """The PNG bytes of a drawn signature, None when nothing was posted; ValidationError (on the
    ``drawn_signature`` field) when it is not an acceptable drawing."""
    data_url = (data_url or "").strip()
    if not data_url:
        return None
    if not data_url.startswith(PREFIX):
        raise _invalid("The drawn signature must be a PNG image: draw it again.")
    encoded = data_url[len(PREFIX) :]
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise _invalid("The drawn signature is too large: clear it and draw it again.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("The drawn signature could not be read: clear it and draw it again.") from None
    if len(png) > MAX_BYTES:
        raise _invalid("The drawn signature is too large: clear it and draw it again.")
    if not png.startswith(PNG_MAGIC):
        raise _invalid("The drawn signature must be a PNG image: draw it again.")
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise _invalid("The drawn signature must be a PNG image: draw it again.")
            width, height = image.size
            if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                raise _invalid("The drawn signature has an unexpected size: clear it and draw it again.")
            image.load()
            ink = _ink_pixels(image)
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise _invalid("The drawn signature could not be read: clear it and draw it again.") from None
    if ink < MIN_INK_PIXELS:
        raise _invalid("The signature pad is empty: draw your signature, or clear it to sign by name only.")
    return png
