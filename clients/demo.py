"""Demo clients, contacts and sites for `seed_demo`: realistic, deterministic, idempotent."""

import random

from clients.models import Client
from clients.services import create_client, create_contact, create_site
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tenants.services import set_service_area

FIRST = ["Avery", "Jordan", "Priya", "Mateo", "Hannah", "Kwame", "Sofia", "Liam", "Mei", "Noah", "Aisha",
         "Lucas", "Grace", "Omar", "Chloe", "Ethan", "Zara", "Daniel", "Isla", "Ravi"]  # fmt: skip
LAST = ["Whitaker", "Okafor", "Lindqvist", "Moreau", "Castillo", "Nakamura", "Brennan", "Haddad",
        "Fischer", "Adeyemi", "Kowalski", "Duarte", "Sullivan", "Petrov", "Achebe", "Romano"]  # fmt: skip

HOME_CLIENTS = ["The {} Residence", "{} Lake House", "{} Family Estate", "{} Penthouse", "{} Beach Cottage"]
BUSINESS_CLIENTS = ["{} Dental Group", "{} & Partners LLP", "{} Architecture Studio", "{} Veterinary Clinic",
                    "{} Logistics", "{} Accounting", "{} Yoga Studio", "{} Real Estate",
                    "{} Bakery Co."]  # fmt: skip

PLACES = {
    "northwind-av": {
        "timezone": "America/New_York",
        "country": "US",
        "cities": [
            ("Scarsdale", "NY", "10583"),
            ("Greenwich", "CT", "06830"),
            ("Rye", "NY", "10580"),
            ("Montclair", "NJ", "07042"),
            ("Brooklyn", "NY", "11201"),
            ("Southampton", "NY", "11968"),
        ],
        "service_area": "105, 106, Greenwich",  # Westchester and Greenwich; Brooklyn, the Hamptons are outside
        "streets": ["Ridge Road", "Harbor Lane", "Maple Avenue", "Old Post Road", "Bay Street", "Elm Court"],
        "phone": "+1 914 555 {:04d}",
        "homes": 0.6,
    },
    "harbor-it": {
        "timezone": "Europe/London",
        "country": "GB",
        "cities": [
            ("Bristol", "", "BS1 4DJ"),
            ("Bath", "", "BA1 1LT"),
            ("Cardiff", "", "CF10 1EP"),
            ("Swindon", "", "SN1 1LF"),
            ("Gloucester", "", "GL1 2EH"),
        ],
        "service_area": "BS, BA",  # Bristol and Bath; Cardiff, Swindon and Gloucester are outside
        "streets": ["Queen Square", "Harbourside", "Park Street", "Temple Way", "Victoria Road"],
        "phone": "+44 117 496 {:04d}",
        "homes": 0.1,
    },
}

NOTES = ["", "Prefers text messages before on-site visits.", "Gate code at the office.",
         "Annual walkthrough each spring.", "Network rack in the basement."]  # fmt: skip

CLIENTS_PER_TENANT = 36


def seed_clients(tenant: Tenant, progress=print) -> int:
    """Create the tenant's demo clients unless they exist. Returns how many were created."""
    place = PLACES[tenant.slug]
    rng = random.Random(tenant.slug)  # same data on every machine
    created = 0
    with tenant_scope(tenant):
        if not tenant.service_area:
            set_service_area(tenant, service_area=place["service_area"])
        existing = set(Client.objects.values_list("name", flat=True))
        names = set()
        while len(names) < CLIENTS_PER_TENANT:
            pattern = rng.choice(HOME_CLIENTS if rng.random() < place["homes"] else BUSINESS_CLIENTS)
            names.add(pattern.format(rng.choice(LAST)))
        homes = {pattern.format(last) for pattern in HOME_CLIENTS for last in LAST}
        for name in sorted(names):
            if name in existing:
                continue
            is_home = name in homes
            slug = name.lower().split()[1 if name.startswith("The ") else 0].strip("&.,")
            client = create_client(
                name=name,
                email=f"office@{slug}.example",
                phone=place["phone"].format(rng.randint(100, 9999)),
                managed_endpoints=rng.randint(8, 60) if is_home else rng.randint(15, 220),
                notes=rng.choice(NOTES),
            )
            for n in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                create_contact(
                    client=client,
                    full_name=f"{first} {last}",
                    email=f"{first.lower()}.{last.lower()}@{slug}.example",
                    phone=place["phone"].format(rng.randint(100, 9999)),
                    job_title=""
                    if is_home
                    else rng.choice(["Office manager", "Owner", "IT lead", "Director"]),
                    is_primary=n == 0,
                    can_sign=n == 0 or rng.random() < 0.3,
                )
            for n in range(1 if is_home else rng.randint(1, 2)):
                city, region, postal = rng.choice(place["cities"])
                create_site(
                    client=client,
                    name="Main residence"
                    if is_home and n == 0
                    else ("Head office" if n == 0 else f"{city} branch"),
                    address_line1=f"{rng.randint(2, 480)} {rng.choice(place['streets'])}",
                    city=city,
                    region=region,
                    postal_code=postal,
                    country=place["country"],
                    timezone=place["timezone"],
                    travel_minutes=rng.choice([15, 20, 30, 45, 60, 90]),
                )
            created += 1
            if created % 12 == 0:
                progress(f"  {tenant.name}: {created} clients created")
    progress(f"  {tenant.name}: {created} new clients ({CLIENTS_PER_TENANT} in the demo set)")
    return created
