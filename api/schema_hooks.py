"""Post-processing of the published OpenAPI schema.

drf-standardized-errors names an error in a nested list by its path with ``INDEX`` for the position
(``tiers.INDEX.below_percent``) and publishes that as the only value ``attr`` may take, while an answer
names the real position (``tiers.0.below_percent``). So a client validating answers against the schema
rejects every nested error. Here each such ``attr`` becomes a pattern that any position matches.
"""

from __future__ import annotations

import re


def _pattern(path: str) -> str:
    parts = ("[0-9]+" if part == "INDEX" else re.escape(part) for part in path.split("."))
    return "^" + r"\.".join(parts) + "$"


def nested_error_positions(result, generator, request, public):
    for component in result.get("components", {}).get("schemas", {}).values():
        attr = component.get("properties", {}).get("attr") if isinstance(component, dict) else None
        if not attr or not any("INDEX" in str(value).split(".") for value in attr.get("enum", ())):
            continue
        paths = attr.pop("enum")
        attr.pop("description", None)
        if len(paths) == 1:
            attr["pattern"] = _pattern(paths[0])
        else:
            attr["pattern"] = "|".join(f"(?:{_pattern(path)})" for path in paths)
        attr["description"] = (
            "Where the error is: "
            + ", ".join(f"`{path.replace('INDEX', 'N')}`" for path in paths)
            + " (N: the position in the list, from 0)."
        )
    return result
