"""Post-processing of the published OpenAPI schema.

drf-standardized-errors names an error in a nested list by its path with ``INDEX`` for the position
(``tiers.INDEX.below_percent``) and publishes that as the only value ``attr`` may take, while an answer
names the real position (``tiers.0.below_percent``). So a client validating answers against the schema
rejects every nested error. Here each such ``attr`` becomes a pattern that any position matches, and the
``attr`` discriminator over such errors (which can only map exact values) is dropped.
"""

from __future__ import annotations

import re

# drf-standardized-errors' names for a position in a list and a key of an object, and what they stand for.
_PLACEHOLDERS = {"INDEX": "[0-9]+", "KEY": ".+"}


def _pattern(path: str) -> str:
    parts = (_PLACEHOLDERS.get(part, re.escape(part)) for part in path.split("."))
    return "^" + r"\.".join(parts) + "$"


def nested_error_positions(result, generator, request, public):
    for component in result.get("components", {}).get("schemas", {}).values():
        discriminator = component.get("discriminator", {}) if isinstance(component, dict) else {}
        if discriminator.get("propertyName") == "attr" and any(
            _PLACEHOLDERS.keys() & set(path.split(".")) for path in discriminator.get("mapping", {})
        ):
            # A discriminator maps exact values, and `tiers.0.name` is no key of the mapping: drop it. The
            # oneOf still picks exactly one error component, by the attr's enum or pattern.
            del component["discriminator"]
        attr = component.get("properties", {}).get("attr") if isinstance(component, dict) else None
        paths = attr.get("enum", ()) if attr else ()
        if not any(_PLACEHOLDERS.keys() & set(str(path).split(".")) for path in paths):
            continue
        paths = attr.pop("enum")
        attr.pop("description", None)
        if len(paths) == 1:
            attr["pattern"] = _pattern(paths[0])
        else:
            attr["pattern"] = "|".join(f"(?:{_pattern(path)})" for path in paths)
        where = ", ".join(f"`{path.replace('INDEX', 'N')}`" for path in paths)
        legend = ["N: the position in the list, from 0"] if "INDEX" in where else []
        legend += ["KEY: a key of the object"] if "KEY" in where else []
        attr["description"] = f"Where the error is: {where} ({'; '.join(legend)})."
    return result
