"""Who did something reads the same in every history: staff, a client's contact, an API key, the system."""

from types import SimpleNamespace

import pytest

from accounts.actors import SYSTEM, actor_label, staff_email_of
from accounts.models import User


def test_a_staff_member_reads_as_name_and_email():
    user = User(full_name="Grace Hopper", email="grace@northwind-av.example")

    assert actor_label(user) == "Grace Hopper <grace@northwind-av.example>"


def test_a_staff_member_without_a_name_reads_as_the_email():
    assert actor_label(User(email="ops@northwind-av.example")) == "ops@northwind-av.example"


def test_a_client_contact_says_so():
    dana = SimpleNamespace(full_name="Dana Whitaker", email="dana@whitaker.example")

    assert actor_label(contact=dana) == "Dana Whitaker <dana@whitaker.example> (client contact)"


def test_a_client_contact_without_an_email_reads_as_the_name():
    assert actor_label(contact=SimpleNamespace(full_name="Dana Whitaker", email="")) == (
        "Dana Whitaker (client contact)"
    )


def test_an_api_key_reads_by_its_name():
    assert actor_label(api_key=SimpleNamespace(name="Monitoring")) == "API key “Monitoring”"


def test_nobody_given_is_the_system_which_may_name_its_job():
    assert actor_label() == SYSTEM == "system"
    assert actor_label(None) == "system"
    assert actor_label(system="renewal run") == "system (renewal run)"


def test_a_label_fits_the_history_column():
    user = User(full_name="N" * 190, email="long@example.com")

    assert len(actor_label(user)) == 200


@pytest.mark.parametrize(
    "who",
    [
        {"contact": SimpleNamespace(full_name="Dana", email="")},
        {"api_key": SimpleNamespace(name="CRM")},
        {"system": "renewal run"},
    ],
)
def test_an_action_has_one_actor(who):
    with pytest.raises(ValueError, match="one actor"):
        actor_label(User(email="grace@example.com"), **who)


@pytest.mark.parametrize(
    ("label", "email"),
    [
        ("Grace Hopper <grace@northwind-av.example>", "grace@northwind-av.example"),
        ("ops@northwind-av.example", "ops@northwind-av.example"),
        ("Dana Whitaker <dana@whitaker.example> (client contact)", None),
        ("API key “Zapier”", None),
        ("system (renewal run)", None),
        ("Grace Hopper", None),
    ],
)
def test_the_staff_email_is_read_back_from_a_label_and_nobody_else_has_one(label, email):
    assert staff_email_of(label) == email
