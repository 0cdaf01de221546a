"""Suggested introductions: an explainable score over referral profiles (pure functions)."""

from rewards.referral_matching import MatchProfile, score_pair, suggest_matches, words

DENTAL = MatchProfile(
    key="client:1",
    name="Harbor Dental",
    industry="Dental practice",
    needs="Bookkeeping, signage",
    area="Portland metro",
)
BOOKS = MatchProfile(
    key="client:2",
    name="Ledger & Co",
    industry="Accounting",
    sells="Bookkeeping and payroll",
    target_customers="Dental practices, law firms",
    area="Portland Metro",
)
BAKERY = MatchProfile(key="client:3", name="Crumb", industry="Bakery", area="Portland metro")
PROSPECT = MatchProfile(
    key="prospect:9", name="Maya Chen", industry="Law firm", needs="payroll", area="Salem", can_sell=False
)


def test_words_are_compared_without_case_stop_words_or_plurals():
    assert words("Dental practices, and the LAW firms") == {"dental", "practice", "law", "firm"}


def test_a_seller_whose_customers_are_the_buyers_industry_and_who_sells_what_they_need_scores_highest():
    suggestion = score_pair(BOOKS, DENTAL)
    assert suggestion.score == 3 + 3 + 1
    assert suggestion.reasons == (
        "Ledger & Co looks for dental, practice customers; Harbor Dental is one",
        "Harbor Dental needs bookkeeping, which Ledger & Co sells",
        "both work in Portland Metro",
    )


def test_the_same_area_alone_is_no_reason_to_meet():
    assert score_pair(BAKERY, DENTAL) is None
    assert score_pair(DENTAL, BAKERY) is None


def test_a_prospect_is_only_ever_the_buyer_and_nobody_meets_themselves():
    assert score_pair(PROSPECT, BOOKS) is None
    assert score_pair(BOOKS, BOOKS) is None
    suggestion = score_pair(BOOKS, PROSPECT)
    assert suggestion.score == 6  # law firm customers, payroll; not the same area


def test_suggestions_come_best_first_and_leave_out_pairs_already_proposed():
    profiles = [DENTAL, BOOKS, BAKERY, PROSPECT]
    found = suggest_matches(profiles)
    assert [(s.seller.name, s.buyer.name, s.score) for s in found] == [
        ("Ledger & Co", "Harbor Dental", 7),
        ("Ledger & Co", "Maya Chen", 6),
    ]
    rest = suggest_matches(profiles, exclude={("client:2", "client:1")})
    assert [s.buyer.name for s in rest] == ["Maya Chen"]
    assert suggest_matches(profiles, limit=1)[0].buyer.name == "Harbor Dental"
