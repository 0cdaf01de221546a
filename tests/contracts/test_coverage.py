"""Covered or billable: contracts.coverage.decide() for each kind of rule, and the checks on rules."""

import pytest

from contracts.coverage import decide, validate_rules
from contracts.versions import some_work_is_billable


def rule(category="", work_type="", covered=True, note=""):
    return {"category": category, "work_type": work_type, "covered": covered, "note": note}


def test_a_category_only_rule_matches_every_work_type_of_that_category():
    rules = [rule(category="hardware")]

    assert decide(rules=rules, category="hardware", work_type="repair").covered
    assert decide(rules=rules, category="hardware", work_type="installation").covered
    assert not decide(rules=rules, category="software", work_type="repair").covered


def test_a_work_type_only_rule_matches_that_work_in_either_category():
    rules = [rule(work_type="remote_support")]

    assert decide(rules=rules, category="hardware", work_type="remote_support").covered
    assert decide(rules=rules, category="software", work_type="remote_support").covered
    assert not decide(rules=rules, category="software", work_type="troubleshooting").covered


def test_a_rule_with_both_a_category_and_a_work_type_needs_both_to_match():
    rules = [rule(category="hardware", work_type="repair")]

    assert decide(rules=rules, category="hardware", work_type="repair").covered
    assert not decide(rules=rules, category="software", work_type="repair").covered
    assert not decide(rules=rules, category="hardware", work_type="maintenance").covered


def test_work_no_rule_matches_is_billable_and_says_so():
    decision = decide(rules=[rule(work_type="repair")], category="software", work_type="training")

    assert decision.covered is False
    assert decision.rule_index is None
    assert "billable at contract rates" in decision.reason


def test_no_rules_at_all_means_everything_is_billable():
    assert decide(rules=[], category="hardware", work_type="repair").covered is False


def test_the_first_matching_rule_wins_so_order_matters():
    specific_first = [
        rule(category="hardware", work_type="installation", covered=False),
        rule(category="hardware"),
    ]
    general_first = list(reversed(specific_first))

    first = decide(rules=specific_first, category="hardware", work_type="installation")
    second = decide(rules=general_first, category="hardware", work_type="installation")

    assert (first.covered, first.rule_index) == (False, 0)
    assert (second.covered, second.rule_index) == (True, 0)


def test_an_empty_rule_matches_all_work():
    decision = decide(
        rules=[rule(covered=True, note="all-inclusive")], category="software", work_type="project"
    )

    assert decision.covered
    assert decision.reason == "All work is covered by the agreement (all-inclusive)."


def test_the_reason_names_the_rule_and_its_note():
    rules = [rule(category="hardware", work_type="repair", covered=False, note="parts extra")]

    decision = decide(rules=rules, category="hardware", work_type="repair")

    assert decision.reason == "Repair hardware is billable by the agreement (parts extra)."


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"covered": True}, "must be a list"),
        ([{"category": "hardware"}], "Rule 1 needs 'covered'"),
        ([rule(), {"covered": "yes"}], "Rule 2 needs 'covered'"),
        ([rule(category="plumbing")], "category must be hardware, software or empty"),
        ([rule(work_type="gardening")], "unknown work type 'gardening'"),
    ],
)
def test_malformed_rules_are_refused_with_a_plain_message(rules, message):
    with pytest.raises(ValueError, match=message):
        validate_rules(rules)


@pytest.mark.parametrize(
    ("rules", "billable"),
    [
        ([], True),
        ([rule(work_type="repair")], True),  # anything else falls through: billable
        ([rule()], False),  # a covered catch-all
        ([rule(work_type="repair", covered=False), rule()], True),
        ([rule(), rule(work_type="repair", covered=False)], False),  # never reached
    ],
)
def test_some_work_is_billable_unless_a_covered_catch_all_is_reached_first(rules, billable):
    assert some_work_is_billable(rules) is billable
