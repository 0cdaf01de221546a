"""The column layouts an import understands, and which one a file's header row is in. Pure Python.

A layout maps the headers of one tool's export to Accord's fields, each a ``(kind, field)`` pair: kind
``client``, ``contact`` or ``site``, field a model field (``full_name`` may also come as ``first_name``
plus ``last_name``). Headers are compared normalised (case, spaces, punctuation and a leading BOM
ignored), so "Address Line1", "address_line1" and "ADDRESS LINE 1" are one header.

Sources for the other tools' column names: ConnectWise Manage's company list export (Company Name,
Company ID, Address Line1/2, City, State, Zip, Country, Phone) and contact export (First Name, Last Name,
Company, Title, Email); Autotask's organization and contact import/export templates (Name or Account
Name, Address 1/2, City, State, Zip Code or Postal Code, Country, Phone; "Organization: Name" and
"Contact: First Name" in the combined template); HaloPSA's client, site and user exports (its API names:
client_name, site_name, firstname, surname, emailaddress, phonenumber, title; and their labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CLIENT, CONTACT, SITE = "client", "contact", "site"
KINDS = (CLIENT, CONTACT, SITE)
AUTO = "auto"

# The fields a row may carry, in the order the preview shows them, with the label it uses.
FIELD_LABELS: dict[tuple[str, str], str] = {
    (CLIENT, "name"): "Client",
    (CLIENT, "email"): "Client email",
    (CLIENT, "phone"): "Client phone",
    (CLIENT, "managed_endpoints"): "Managed endpoints",
    (CLIENT, "notes"): "Notes",
    (CONTACT, "full_name"): "Contact",
    (CONTACT, "first_name"): "Contact first name",
    (CONTACT, "last_name"): "Contact last name",
    (CONTACT, "email"): "Contact email",
    (CONTACT, "phone"): "Contact phone",
    (CONTACT, "job_title"): "Job title",
    (CONTACT, "is_primary"): "Primary contact",
    (CONTACT, "can_sign"): "Can sign",
    (SITE, "name"): "Site",
    (SITE, "address_line1"): "Address",
    (SITE, "address_line2"): "Address (line 2)",
    (SITE, "city"): "City",
    (SITE, "region"): "State / region",
    (SITE, "postal_code"): "Postal code",
    (SITE, "country"): "Country",
    (SITE, "timezone"): "Time zone",
    (SITE, "travel_minutes"): "Travel minutes",
}


def normalise_header(header: str) -> str:
    """'  Address Line1 ' -> 'addressline1'; '\\ufeffCompany_Name' -> 'companyname'."""
    return re.sub(r"[^0-9a-z]+", "", header.lstrip("\ufeff").strip().lower())


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    columns: dict[str, tuple[str, str]]  # normalised header -> (kind, field)
    # Headers only this tool's exports use: they decide the detection when layouts share the rest.
    signature: frozenset[str] = field(default_factory=frozenset)

    def mapping(self, headers: list[str]) -> dict[int, tuple[str, str]]:
        """Column index -> (kind, field) for the headers this layout knows; the first of two columns
        mapped to one field wins (an export that repeats a column keeps its first)."""
        found: dict[int, tuple[str, str]] = {}
        taken: set[tuple[str, str]] = set()
        for index, header in enumerate(headers):
            target = self.columns.get(normalise_header(header))
            if target is not None and target not in taken:
                found[index] = target
                taken.add(target)
        return found

    def knows_client_column(self, headers: list[str]) -> bool:
        return (CLIENT, "name") in self.mapping(headers).values()


def _columns(spec: dict[tuple[str, str], tuple[str, ...]]) -> dict[str, tuple[str, str]]:
    return {normalise_header(header): target for target, headers in spec.items() for header in headers}


ENDPOINT_HEADERS = ("Managed Endpoints", "Endpoints", "Managed Devices", "Device Count", "Devices")

ACCORD = Layout(
    key="accord",
    label="Accord",
    columns=_columns(
        {
            (CLIENT, "name"): ("client_name", "client", "name"),
            (CLIENT, "email"): ("client_email", "email"),
            (CLIENT, "phone"): ("client_phone", "phone"),
            (CLIENT, "managed_endpoints"): ENDPOINT_HEADERS,
            (CLIENT, "notes"): ("notes", "client_notes"),
            (CONTACT, "full_name"): ("contact_name", "contact_full_name"),
            (CONTACT, "email"): ("contact_email",),
            (CONTACT, "phone"): ("contact_phone",),
            (CONTACT, "job_title"): ("contact_job_title", "job_title"),
            (CONTACT, "is_primary"): ("contact_is_primary", "is_primary"),
            (CONTACT, "can_sign"): ("contact_can_sign", "can_sign"),
            (SITE, "name"): ("site_name", "site"),
            (SITE, "address_line1"): ("address_line1", "address"),
            (SITE, "address_line2"): ("address_line2",),
            (SITE, "city"): ("city",),
            (SITE, "region"): ("region", "state"),
            (SITE, "postal_code"): ("postal_code",),
            (SITE, "country"): ("country",),
            (SITE, "timezone"): ("timezone", "time_zone"),
            (SITE, "travel_minutes"): ("travel_minutes",),
        }
    ),
    signature=frozenset({"clientname", "managedendpoints", "contactname", "contactemail", "sitename"}),
)

CONNECTWISE = Layout(
    key="connectwise",
    label="ConnectWise Manage (companies, contacts)",
    columns=_columns(
        {
            (CLIENT, "name"): ("Company Name", "Company"),
            (CLIENT, "phone"): ("Phone", "Phone Number", "Company Phone"),
            (CLIENT, "managed_endpoints"): ENDPOINT_HEADERS,
            (CLIENT, "notes"): ("Notes", "Company Notes"),
            (CONTACT, "first_name"): ("First Name",),
            (CONTACT, "last_name"): ("Last Name",),
            (CONTACT, "full_name"): ("Contact Name", "Contact"),
            (CONTACT, "email"): ("Email", "Default Email", "Contact Email"),
            (CONTACT, "phone"): ("Direct", "Default Phone", "Contact Phone"),
            (CONTACT, "job_title"): ("Title",),
            (SITE, "name"): ("Site", "Site Name"),
            (SITE, "address_line1"): ("Address Line1", "Address Line 1"),
            (SITE, "address_line2"): ("Address Line2", "Address Line 2"),
            (SITE, "city"): ("City",),
            (SITE, "region"): ("State",),
            (SITE, "postal_code"): ("Zip",),
            (SITE, "country"): ("Country",),
        }
    ),
    signature=frozenset({"companyname", "companyid", "addressline1", "addressline2", "zip"}),
)

AUTOTASK = Layout(
    key="autotask",
    label="Autotask (organizations / accounts, contacts)",
    columns=_columns(
        {
            (CLIENT, "name"): (
                "Account Name",
                "Organization Name",
                "Organization: Name",
                "Organization",
                "Name",
            ),
            (CLIENT, "phone"): ("Phone", "Organization: Phone"),
            (CLIENT, "managed_endpoints"): ENDPOINT_HEADERS,
            (CLIENT, "notes"): ("Description", "Organization: Description"),
            (CONTACT, "first_name"): ("First Name", "Contact: First Name"),
            (CONTACT, "last_name"): ("Last Name", "Contact: Last Name"),
            (CONTACT, "email"): ("Email Address", "Email", "Contact: Email Address", "Contact: Email"),
            (CONTACT, "phone"): ("Contact: Phone", "Mobile Phone", "Contact: Mobile Phone"),
            (CONTACT, "job_title"): ("Title", "Contact: Title"),
            (CONTACT, "is_primary"): ("Primary Contact", "Contact: Primary Contact"),
            (SITE, "address_line1"): ("Address 1", "Organization: Address 1"),
            (SITE, "address_line2"): ("Address 2", "Organization: Address 2"),
            (SITE, "city"): ("City", "Organization: City"),
            (SITE, "region"): ("State", "Organization: State"),
            (SITE, "postal_code"): ("Postal Code", "Zip Code", "Organization: Zip Code"),
            (SITE, "country"): ("Country", "Organization: Country"),
        }
    ),
    signature=frozenset(
        {
            "accountname",
            "address1",
            "address2",
            "zipcode",
            "organizationname",
            "accountnumber",
            "emailaddress",
        }
    ),
)

HALOPSA = Layout(
    key="halopsa",
    label="HaloPSA (clients, sites, users)",
    columns=_columns(
        {
            (CLIENT, "name"): ("client_name", "Client Name", "Client", "Customer"),
            (CLIENT, "managed_endpoints"): ENDPOINT_HEADERS,
            (CLIENT, "notes"): ("notes", "Client Notes"),
            (CONTACT, "full_name"): ("User Name", "User"),
            (CONTACT, "first_name"): ("firstname", "First Name"),
            (CONTACT, "last_name"): ("surname", "Surname", "Last Name"),
            (CONTACT, "email"): ("emailaddress", "Email Address", "Email"),
            (CONTACT, "phone"): ("phonenumber", "Phone Number", "Telephone", "mobilenumber"),
            (CONTACT, "job_title"): ("title", "Job Title"),
            (CONTACT, "is_primary"): ("isimportantcontact", "Important Contact"),
            (SITE, "name"): ("site_name", "Site Name", "Site"),
            (SITE, "address_line1"): ("line1", "Address Line 1", "delivery_address_line1"),
            (SITE, "address_line2"): ("line2", "Address Line 2", "delivery_address_line2"),
            (SITE, "city"): ("line3", "City", "Town"),
            (SITE, "region"): ("line4", "County", "State"),
            (SITE, "postal_code"): ("postcode", "Postcode", "Post Code"),
            (SITE, "country"): ("country", "Country"),
            (SITE, "timezone"): ("timezone", "Time Zone"),
        }
    ),
    signature=frozenset(
        {"clientname", "sitename", "firstname", "surname", "emailaddress", "line1", "postcode"}
    ),
)

LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (ACCORD, CONNECTWISE, AUTOTASK, HALOPSA)}
LAYOUT_CHOICES = [
    (AUTO, "Detect from the header row"),
    *((key, layout.label) for key, layout in LAYOUTS.items()),
]


def detect_layout(headers: list[str]) -> Layout:
    """The layout that reads the most of these headers (signature headers count double); among equals,
    the first of ``LAYOUTS`` (Accord's own). A layout that finds no client column is never chosen over
    one that does."""
    normalised = {normalise_header(header) for header in headers}

    def score(layout: Layout) -> tuple[bool, int]:
        known = len(layout.mapping(headers))
        return layout.knows_client_column(headers), known + len(normalised & layout.signature)

    return max(LAYOUTS.values(), key=score)  # max keeps the first of equals


def resolve_layout(key: str, headers: list[str]) -> Layout:
    """The layout asked for, or the one detected for ``auto`` (and for a key we do not know)."""
    return LAYOUTS.get(key) or detect_layout(headers)
