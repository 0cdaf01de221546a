"""A drawn signature is kept only when it is a small, real, non-empty PNG of a sensible size."""

import base64
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from contracts.signature_images import MAX_BYTES, clean_drawn_signature


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def drawing(size=(600, 200), ink=True, mode="RGBA") -> bytes:
    image = Image.new(mode, size, (0, 0, 0, 0) if mode == "RGBA" else "white")
    if ink:
        ImageDraw.Draw(image).line([(20, 150), (200, 40), (380, 160), (560, 60)], fill="#10243e", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_drawing_is_kept_as_its_png_bytes():
    png = drawing()
    assert clean_drawn_signature(data_url(png)) == png


def test_nothing_posted_means_a_typed_signature_only():
    assert clean_drawn_signature("") is None
    assert clean_drawn_signature("   ") is None


def test_an_empty_pad_is_refused_not_kept_as_a_blank_signature():
    with pytest.raises(ValidationError, match="The signature pad is empty"):
        clean_drawn_signature(data_url(drawing(ink=False)))


def test_a_white_background_without_strokes_counts_as_empty():
    with pytest.raises(ValidationError, match="empty"):
        clean_drawn_signature(data_url(drawing(ink=False, mode="RGB")))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("data:image/jpeg;base64,/9j/4AAQ", "must be a PNG"),
        ("data:image/png;base64,not base64!!", "could not be read"),
        (data_url(b"GIF89a" + b"\0" * 40), "must be a PNG"),
        (data_url(b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "could not be read"),
    ],
)
def test_anything_but_a_png_is_refused_with_a_clear_message(value, message):
    with pytest.raises(ValidationError, match=message) as refused:
        clean_drawn_signature(value)
    assert "drawn_signature" in refused.value.message_dict


def test_a_drawing_of_odd_dimensions_is_refused():
    with pytest.raises(ValidationError, match="unexpected size"):
        clean_drawn_signature(data_url(drawing(size=(60, 20))))
    with pytest.raises(ValidationError, match="unexpected size"):
        clean_drawn_signature(data_url(drawing(size=(3000, 300))))


def test_an_oversized_upload_is_refused_before_it_is_decoded():
    with pytest.raises(ValidationError, match="too large"):
        clean_drawn_signature("data:image/png;base64," + "A" * (MAX_BYTES * 2))
