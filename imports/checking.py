"""Reading an import's rows as clients, contacts and sites, and saying what is wrong with each row.

``check_table`` maps every data row through the layout, converts the values (numbers, yes/no, country
names), validates each record as the models do (``clients.bulk.field_problems``), finds duplicates within
the file, and looks up which clients already exist (active, same name, any case). Every problem is a
``RowProblem`` that names the row, the column and what to do. The result holds the records grouped by
client, ready for ``clients.bulk.write_directory``, for the valid rows only.

A row names its client (required). It may also carry a contact (any contact column filled) and a site
(any address column filled); a contact export has one row per person, several under one client, so a
client's name on several rows is one client, as long as the rows do not give it different values.
"""

from __future__ import annotations

from dataclasses import dataclass

from clients.bulk import ClientRecord, active_clients_named, contact_key, field_problems, site_key
from imports.layouts import CLIENT, CONTACT, FIELD_LABELS, SITE, Layout
from imports.reading import Table

MAX_PROBLEMS_KEPT = 1000  # a file with more is wrong throughout: the first thousand say how

YES = {"yes", "y", "true", "1", "x", "primary", "oui", "ja"}
NO = {"no", "n", "false", "0", ""}
BOOLEAN_FIELDS = {(CONTACT, "is_primary"), (CONTACT, "can_sign")}
WHOLE_NUMBER_FIELDS = {(CLIENT, "managed_endpoints"), (SITE, "travel_minutes")}
ADDRESS_FIELDS = {"address_line1", "address_line2", "city", "region", "postal_code"}
# Country names exports write in full, for the markets Accord serves; two-letter codes pass as they are.
COUNTRY_CODES = {
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US",
    "canada": "CA", "mexico": "MX", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "ireland": "IE",
    "australia": "AU", "new zealand": "NZ", "germany": "DE", "deutschland": "DE", "france": "FR",
    "netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "luxembourg": "LU", "spain": "ES",
    "portugal": "PT", "italy": "IT", "switzerland": "CH", "austria": "AT", "sweden": "SE", "norway": "NO",
    "denmark": "DK", "finland": "FI", "poland": "PL", "south africa": "ZA", "india": "IN",
    "singapore": "SG", "japan": "JP", "brazil": "BR", "puerto rico": "PR",
}  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": str(self)}


@dataclass
class MappedRow:
    number: int
    client: dict
    contact: dict | None
    site: dict | None
    columns: dict[tuple[str, str], str]  # (kind, field) -> the header it came from
    raw: dict[tuple[str, str], str]  # (kind, field) -> the text in the file


@dataclass
class CheckedImport:
    layout: Layout
    headers: list[str]
    mapped_headers: dict[str, str]  # header -> label of the field it fills
    ignored_headers: list[str]
    rows: list[MappedRow]
    problems: list[RowProblem]
    problem_count: int
    bad_rows: set[int]
    records: list[ClientRecord]  # the valid rows, by client
    existing_clients: int  # of records, how many name a client the tenant already has

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def valid_row_count(self) -> int:
        return len(self.rows) - len(self.bad_rows)

    @property
    def new_clients(self) -> int:
        return len(self.records) - self.existing_clients

    def counts(self) -> dict:
        return {
            "rows": self.row_count,
            "valid_rows": self.valid_row_count,
            "rows_with_errors": len(self.bad_rows),
            "errors": self.problem_count,
            "new_clients": self.new_clients,
            "existing_clients": self.existing_clients,
            "contacts": sum(len(record.contacts) for record in self.records),
            "sites": sum(len(record.sites) for record in self.records),
        }


class _Problems:
    def __init__(self):
        self.kept: list[RowProblem] = []
        self.count = 0
        self.rows: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        self.count += 1
        self.rows.add(row)
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(RowProblem(row, column, message))


def _label(target: tuple[str, str]) -> str:
    return FIELD_LABELS[target].lower() if target != (CLIENT, "name") else "client name"


def _convert(target, text: str, problems: _Problems, row: int, column: str):
    """The value a field gets from its text, or None after recording why it cannot have one."""
    if target in BOOLEAN_FIELDS:
        lowered = text.lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        problems.add(
            row, column, f"{column} '{text}' is neither yes nor no: write yes or no, or leave it empty."
        )
        return None
    if target in WHOLE_NUMBER_FIELDS:
        cleaned = text.replace(",", "").replace(" ", "")
        if cleaned.endswith(".0"):
            cleaned = cleaned[:-2]
        if not cleaned.isdigit():
            problems.add(
                row,
                column,
                f"{column} '{text}' is not a whole number: write digits only (e.g. 25), or leave it empty.",
            )
            return None
        return int(cleaned)
    if target == (SITE, "country"):
        if len(text) == 2 and text.isalpha():
            return text.upper()
        code = COUNTRY_CODES.get(text.lower())
        if code is None:
            problems.add(
                row,
                column,
                f"{column} '{text}' is not a country we know: use its two-letter ISO code (US, CA, GB…).",
            )
        return code
    return text


def _map_row(number: int, values: list[str], layout_mapping, headers, problems: _Problems) -> MappedRow:
    client, contact, site = {}, {}, {}
    by_kind = {CLIENT: client, CONTACT: contact, SITE: site}
    columns, raw = {}, {}
    for index, target in layout_mapping.items():
        text = values[index].strip() if index < len(values) else ""
        if not text:
            continue
        column = headers[index]
        columns[target], raw[target] = column, text
        value = _convert(target, text, problems, number, column)
        if value is not None:
            by_kind[target[0]][target[1]] = value
    first, last = contact.pop("first_name", ""), contact.pop("last_name", "")
    if not contact.get("full_name") and (first or last):
        contact["full_name"] = f"{first} {last}".strip()
        columns[(CONTACT, "full_name")] = (
            columns.get((CONTACT, "first_name")) or columns[(CONTACT, "last_name")]
        )
    return MappedRow(
        number=number,
        client=client,
        contact=contact or None,
        site=site or None,
        columns=columns,
        raw=raw,
    )


def _field_message(kind: str, name: str, row: MappedRow, messages: list[str]) -> tuple[str, str]:
    target = (kind, name)
    column = row.columns.get(target, FIELD_LABELS.get(target, name))
    text = row.raw.get(target, "")
    detail = " ".join(messages).rstrip(".")
    if name == "email":
        return column, f"{column} '{text}' is not an email address: fix it or leave it empty."
    if name == "timezone":
        return column, f"{column} '{text}' is not a time zone: use an IANA name such as America/New_York."
    if text:
        return (
            column,
            f"{column} '{text}': {detail.lower() if detail[:1].isupper() else detail}. Fix it in the file.",
        )
    return column, f"{detail}: fill in {column}."


def check_table(
    table: Table, layout: Layout, *, default_timezone: str, default_country: str = "US"
) -> CheckedImport:
    """Check every row of ``table`` read through ``layout`` (see the module docstring). Runs inside the
    tenant's scope (it looks up the tenant's existing clients)."""
    problems = _Problems()
    mapping = layout.mapping(table.headers)
    mapped_headers = {table.headers[index]: FIELD_LABELS[target] for index, target in mapping.items()}
    ignored = [header for index, header in enumerate(table.headers) if index not in mapping and header]
    rows = [
        _map_row(number, values, mapping, table.headers, problems)
        for number, values in zip(table.row_numbers, table.rows, strict=True)
    ]
    client_column = next((table.headers[i] for i, t in mapping.items() if t == (CLIENT, "name")), None)
    if client_column is None:
        for row in rows:
            problems.add(row.number, "", "no client name: the file needs a column naming each row's client.")

    first_row_of: dict[str, MappedRow] = {}
    seen_contacts: dict[tuple[str, str], int] = {}
    seen_sites: dict[tuple[str, str], int] = {}
    primary_of: dict[str, int] = {}
    for row in rows:
        name = row.client.get("name", "")
        if client_column is not None and not name:
            problems.add(row.number, client_column, f"the client name is empty: fill in {client_column}.")
            continue
        if not name:
            continue
        _check_record(CLIENT, row.client, row, problems)
        if row.contact is not None:
            if not row.contact.get("full_name"):
                column = row.columns.get((CONTACT, "email")) or "the contact's name"
                problems.add(
                    row.number,
                    column,
                    "a contact without a name: fill in the contact's name, or clear the contact's columns.",
                )
            else:
                _check_record(CONTACT, row.contact, row, problems)
        if row.site is not None:
            site = row.site
            site.setdefault("timezone", default_timezone)
            site.setdefault("country", default_country)
            if not site.get("name") and site.get("address_line1"):
                site["name"] = site["address_line1"]
            if not ADDRESS_FIELDS & set(site):
                site_column = row.columns.get((SITE, "name"), "the address")
                problems.add(
                    row.number,
                    site_column,
                    "a site without an address: fill in its address and city, or clear the site's columns.",
                )
            else:
                _check_record(SITE, site, row, problems)
        key = name.lower()
        first = first_row_of.setdefault(key, row)
        if first is not row:
            _check_same_client(first, row, problems)
        if row.contact and row.contact.get("full_name"):
            contact_id = (key, contact_key(row.contact))
            earlier = seen_contacts.setdefault(contact_id, row.number)
            if earlier != row.number:
                problems.add(
                    row.number,
                    row.columns.get((CONTACT, "email"), row.columns.get((CONTACT, "full_name"), "")),
                    f"the contact '{row.contact['full_name']}' of '{name}' is already on row {earlier}: "
                    "remove one of the two rows.",
                )
            if row.contact.get("is_primary"):
                other = primary_of.setdefault(key, row.number)
                if other != row.number:
                    problems.add(
                        row.number,
                        row.columns[(CONTACT, "is_primary")],
                        f"'{name}' has a primary contact on row {other} already: mark only one.",
                    )
        if row.site and row.site.get("name"):
            site_id = (key, site_key(row.site))
            earlier = seen_sites.setdefault(site_id, row.number)
            if earlier != row.number:
                problems.add(
                    row.number,
                    row.columns.get((SITE, "name"), row.columns.get((SITE, "address_line1"), "")),
                    f"the site '{row.site['name']}' of '{name}' is already on row {earlier}: "
                    "remove one of the two rows.",
                )
        if first is not row and not row.contact and not row.site:
            problems.add(
                row.number,
                client_column,
                f"'{name}' is already on row {first.number}: remove the repeated row.",
            )

    records: dict[str, ClientRecord] = {}
    for row in rows:
        if row.number in problems.rows or not row.client.get("name"):
            continue
        key = row.client["name"].lower()
        values = {name: value for name, value in row.client.items() if name != "name"}
        record = records.get(key)
        if record is None:
            record = records[key] = ClientRecord(name=row.client["name"], values=values, rows=0)
        else:
            record.values.update(values)
        record.rows += 1
        if row.contact:
            record.contacts.append(row.contact)
        if row.site:
            record.sites.append(row.site)
    existing = active_clients_named(records) if records else {}
    return CheckedImport(
        layout=layout,
        headers=table.headers,
        mapped_headers=mapped_headers,
        ignored_headers=ignored,
        rows=rows,
        problems=sorted(problems.kept, key=lambda problem: problem.row),
        problem_count=problems.count,
        bad_rows=problems.rows,
        records=list(records.values()),
        existing_clients=sum(1 for key in records if key in existing),
    )


def _check_record(kind: str, data: dict, row: MappedRow, problems: _Problems) -> None:
    for name, messages in field_problems(kind, data).items():
        column, message = _field_message(kind, name, row, messages)
        problems.add(row.number, column, message)


def _check_same_client(first: MappedRow, row: MappedRow, problems: _Problems) -> None:
    """A client named on several rows (one per contact or site) must not be given two values."""
    for name, value in row.client.items():
        if name == "name" or name not in first.client or first.client[name] == value:
            continue
        column = row.columns[(CLIENT, name)]
        problems.add(
            row.number,
            column,
            f"{column} '{row.raw[(CLIENT, name)]}' differs from row {first.number} "
            f"('{first.raw[(CLIENT, name)]}') for the same client: keep one value.",
        )


def first_rows(table: Table, layout: Layout, *, limit: int = 20) -> list[MappedRow]:
    """The first ``limit`` rows read through ``layout``, unchecked: what the preview shows of the file."""
    mapping = layout.mapping(table.headers)
    ignored = _Problems()
    return [
        _map_row(number, values, mapping, table.headers, ignored)
        for number, values in zip(table.row_numbers[:limit], table.rows[:limit], strict=True)
    ]
