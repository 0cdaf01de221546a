"""From the bytes of an uploaded file to a header row and data rows. Pure Python.

Encoding: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8" writes one); anything that is not
valid UTF-8 is read as Windows-1252, which is what Excel's plain "CSV" writes on Windows (and which reads
every byte, so no file is refused for its encoding). Delimiter: comma, semicolon (Excel in much of
Europe) or tab, whichever the header row is split by most; quoted fields may hold any of them and
newlines.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a 10,000-row export is 1-2 MB
MAX_ROWS = 50_000
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class UnreadableFile(ValueError):
    """A file no row can be read from; the message says what to do."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]  # data rows, blank ones left out
    row_numbers: list[int]  # each data row's number as a spreadsheet shows it (header = 1, blanks count)
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a file's bytes."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    if _is_utf8(data):
        return data.decode("utf-8"), "UTF-8"
    return _cp1252(data), "Windows-1252"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cp1252(data: bytes) -> str:
    # Five bytes have no character in Windows-1252; keep them readable rather than refuse the file.
    return data.decode("cp1252", errors="replace")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter the header row uses most (outside quotes); comma when it has none."""
    counts = {}
    for delimiter in DELIMITERS:
        try:
            counts[delimiter] = len(next(csv.reader([first_line], delimiter=delimiter))) - 1
        except (csv.Error, StopIteration):
            counts[delimiter] = 0
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def read_table(data: bytes, *, max_rows: int = MAX_ROWS) -> Table:
    """The header row and data rows of a CSV file (see the module docstring), or UnreadableFile."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            f"The file is {len(data) / 1_048_576:.1f} MB; at most {MAX_BYTES // 1_048_576} MB can be "
            "imported at once. Split it into smaller files."
        )
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFile(
            "This is not a text file (it holds NUL bytes): export it as CSV, not as a spreadsheet (.xlsx)."
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableFile("The file is empty: export the list with its header row and try again.")
    first_line = next(line for line in text.split("\n") if line.strip())
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    headers: list[str] | None = None
    rows, numbers = [], []
    record = 0
    try:
        for values in reader:
            record += 1
            if not any(value.strip() for value in values):
                continue
            if headers is None:
                headers = [value.strip() for value in values]
                continue
            if len(rows) >= max_rows:
                raise UnreadableFile(
                    f"The file has more than {max_rows:,} rows; import at most {max_rows:,} at a time."
                )
            rows.append(values)
            numbers.append(record)
    except csv.Error as error:
        raise UnreadableFile(f"Row {record + 1} cannot be read as CSV ({error}): check its quotes.") from None
    if not headers or not any(headers):
        raise UnreadableFile("The file has no header row: its first line must name the columns.")
    if not rows:
        raise UnreadableFile("The file has a header row but no rows below it: nothing to import.")
    return Table(headers=headers, rows=rows, row_numbers=numbers, encoding=encoding, delimiter=delimiter)
