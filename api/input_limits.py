"""What the API and the pages accept as text, in one place: JSON no deeper than ``MAX_JSON_DEPTH``, and no
character PostgreSQL cannot store (NUL) or UTF-8 cannot encode (a lone UTF-16 surrogate such as
``"\\ud800"`` in JSON). Refused here, such input gets a 400 instead of failing deep inside a view, the
database or the renderer. Pure functions: the parser and the middleware decide how to answer."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: How deeply JSON arrays and objects may nest in a request body. Nothing the API accepts needs more
#: than a handful of levels; Python's parser itself gives up (RecursionError) near a thousand.
MAX_JSON_DEPTH = 64

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Strings (with their escapes) are skipped when counting brackets: "[[[" inside a string is text. An
# unterminated string runs to the end, so the scan stays linear (the parser refuses such JSON anyway).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class UnacceptableInput(ValueError):
    """Input the service cannot take as it is; the message says why, for the answer's ``detail``."""


def unstorable_character(text: str) -> str | None:
    """A description of the first character of ``text`` that cannot be stored, or None."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    return "a NUL character (\\u0000)" if match.group() == "\x00" else "a lone UTF-16 surrogate"


def check_text(texts: Iterable[str], where: str) -> None:
    """Raise UnacceptableInput if any of ``texts`` holds a NUL or a lone surrogate."""
    for text in texts:
        if found := unstorable_character(text):
            raise UnacceptableInput(f"{where} contains {found}, which cannot be stored.")


def check_json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise UnacceptableInput if arrays and objects in the JSON ``text`` nest deeper than ``limit``.

    Runs before parsing, without recursion, so a body nested 100,000 deep costs one linear scan."""
    depth = 0
    for bracket in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                raise UnacceptableInput(f"JSON may nest at most {limit} arrays or objects deep.")
        else:
            depth -= 1


def check_parsed_json(value) -> None:
    """Raise UnacceptableInput if any string of a parsed JSON value (object keys too) cannot be stored."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            check_text([item], "The JSON body")
        elif isinstance(item, dict):
            check_text(item.keys(), "The JSON body")
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
