"""A contract version's changed text drawn as a unified diff table (classes, no inline styles): the
presentation of ``contracts.versions.diff_versions``, kept out of that module."""

import difflib

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from contracts.versions import FieldChange, line_matcher

register = template.Library()


@register.filter
def diff_table(change: FieldChange) -> SafeString:
    """A text change of ``diff_versions`` as its diff table."""
    return unified_diff_html(change.before, change.after)


def _visible(text: str) -> str:
    # Leading spaces matter in Markdown (nested lists, code) and would collapse in HTML.
    stripped = text.lstrip(" ")
    return "\u00a0" * (len(text) - len(stripped)) + stripped


def _words_html(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Two changed lines with the words that differ marked (<del>/<ins class="diff-word">)."""
    old_words, new_words = old.split(" "), new.split(" ")
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    old_parts, new_parts = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = " ".join(old_words[i1:i2]), " ".join(new_words[j1:j2])
        if tag == "equal":
            old_parts.append(format_html("{}", before))
            new_parts.append(format_html("{}", after))
            continue
        if before:
            old_parts.append(format_html('<del class="diff-word fw-semibold">{}</del>', before))
        if after:
            new_parts.append(format_html('<ins class="diff-word fw-semibold">{}</ins>', after))
    return mark_safe(" ".join(old_parts)), mark_safe(" ".join(new_parts))  # noqa: S308 - parts escaped


def _row(kind: str, old_number, new_number, content) -> SafeString:
    sign, label, css = {
        "del": ("−", "Removed: ", "diff-line diff-del table-danger"),
        "ins": ("+", "Added: ", "diff-line diff-ins table-success"),
        "ctx": ("\u00a0", "", "diff-line diff-ctx"),
    }[kind]
    return format_html(
        '<tr class="{}"><td class="diff-ln text-end text-body-secondary">{}</td>'
        '<td class="diff-ln text-end text-body-secondary">{}</td>'
        '<td class="diff-text font-monospace pre-line text-break">'
        '<span class="diff-sign" aria-hidden="true">{}</span> {}{}</td></tr>',
        css,
        old_number or "",
        new_number or "",
        sign,
        format_html('<span class="visually-hidden">{}</span>', label) if label else "",
        content,
    )


def unified_diff_html(old_text: str, new_text: str, *, context: int = 3) -> SafeString:
    """A unified diff of two texts as an HTML table: hunks of changed lines with ``context`` lines
    around them; removed lines in ``<del>``, added ones in ``<ins>``."""
    matcher = line_matcher(old_text, new_text)
    old_lines, new_lines = matcher.a, matcher.b
    rows: list[SafeString] = []
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        header = f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"
        rows.append(
            format_html(
                '<tr class="diff-hunk table-light"><td colspan="3" class="font-monospace small '
                'text-body-secondary">{}</td></tr>',
                header,
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    _row("ctx", i1 + k + 1, j1 + k + 1, _visible(old_lines[i1 + k])) for k in range(i2 - i1)
                )
                continue
            olds, news = old_lines[i1:i2], new_lines[j1:j2]
            old_cells = [format_html("<del>{}</del>", _visible(line)) for line in olds]
            new_cells = [format_html("<ins>{}</ins>", _visible(line)) for line in news]
            for k in range(min(len(olds), len(news)) if tag == "replace" else 0):
                marked_old, marked_new = _words_html(_visible(olds[k]), _visible(news[k]))
                # A changed line: only the words that differ are struck through or underlined.
                old_cells[k] = format_html('<span class="diff-changed">{}</span>', marked_old)
                new_cells[k] = format_html('<span class="diff-changed">{}</span>', marked_new)
            rows.extend(_row("del", i1 + k + 1, None, cell) for k, cell in enumerate(old_cells))
            rows.extend(_row("ins", None, j1 + k + 1, cell) for k, cell in enumerate(new_cells))
    return format_html(
        '<div class="table-responsive"><table class="table table-sm diff-table mb-0">'
        '<thead class="visually-hidden"><tr><th scope="col">Old line</th><th scope="col">New line</th>'
        '<th scope="col">Text</th></tr></thead><tbody>{}</tbody></table></div>',
        mark_safe("".join(rows)),  # noqa: S308 - each row built with format_html
    )
