"""Who did something, in the one format every history row (tickets, agreements) records it.

The row keeps a label, not a foreign key: history is evidence and must still read the same after a user,
a contact or an API key is renamed or removed. Here, the lowest app, so every app can use it; contacts
and API keys are read by their fields (``full_name``, ``email``, ``name``), not imported.
"""

ACTOR_MAX_LENGTH = 200  # the history tables' ``actor`` column
SYSTEM = "system"


def actor_label(user=None, *, contact=None, api_key=None, system: str = "") -> str:
    """One of: a staff member "Full Name <email>" (the email alone without a name); a client's contact
    "Full Name <email> (client contact)"; an API key "API key “name”"; or, with nobody given, "system",
    naming the job when there is one: ``system="renewal run"`` -> "system (renewal run)"."""
    given = [who for who in (user, contact, api_key) if who is not None]
    if len(given) > 1 or (given and system):
        raise ValueError("An action has one actor: a user, a contact, an API key or the system.")
    if user is not None:
        label = _person(user.full_name, user.email)
    elif contact is not None:
        label = f"{_person(contact.full_name, contact.email)} (client contact)"
    elif api_key is not None:
        label = f"API key “{api_key.name}”"
    else:
        label = f"{SYSTEM} ({system})" if system else SYSTEM
    return label[:ACTOR_MAX_LENGTH]


def staff_email_of(label: str) -> str | None:
    """The email of the staff member a label names ("Name <email>" or a bare email), or ``None`` for a
    contact, an API key or the system: the way back from a history row to who may be told about it."""
    label = label.strip()
    bracketed = label.endswith(">") and "<" in label
    email = label[label.rindex("<") + 1 : -1] if bracketed else label
    return email if "@" in email and " " not in email else None


def _person(name: str, email: str) -> str:
    name = name.strip()
    if name and email:
        return f"{name} <{email}>"
    return name or email
