"""SPEC §9's arithmetic against answers computed by hand."""
from __future__ import annotations

from decimal import Decimal as D

from blueprints.contests import aggregation as agg


def test_three_judges_plain_mean():
    assert agg.item_score([D("80"), D("85"), D("90")]) == D("85.00")
    assert agg.item_score([D("80"), D("81"), D("81")]) == D("80.67")  # 242 / 3 = 80.666… → 80.67


def test_four_judges_plain_mean_nothing_dropped():
    assert agg.item_score([D("70"), D("80"), D("90"), D("100")]) == D("85.00")
    assert agg.item_score([D("60"), D("90"), D("91"), D("92")]) == D("83.25")  # the low one stays


def test_five_judges_drop_one_highest_and_one_lowest():
    # 60 and 99 dropped: (80 + 82 + 84) / 3 = 82
    assert agg.item_score([D("99"), D("80"), D("60"), D("84"), D("82")]) == D("82.00")


def test_seven_judges_drop_only_one_each_end():
    # sorted 50 70 71 72 73 74 100 → drop 50 and 100: (70+71+72+73+74)/5 = 72
    assert agg.item_score([D(x) for x in ("71", "100", "50", "73", "70", "74", "72")]) == D("72.00")
    # equal extremes: only one copy of each is dropped: 80 80 85 90 90 → (80+85+90)/3 = 85
    assert agg.item_score([D("80"), D("90"), D("85"), D("80"), D("90")]) == D("85.00")


def test_half_up_rounding_and_no_scores():
    assert agg.item_score([D("88.5"), D("88.5"), D("88.6")]) == D("88.53")  # 265.6 / 3 = 88.5333
    assert agg.item_score([D("0.01"), D("0.02")]) == D("0.02")  # 0.015 → 0.02 (half up)
    assert agg.item_score([]) is None


def test_spread_flags_only_above_the_limit():
    assert agg.spread([D("92"), D("70"), D("88")]) == D("22")
    assert agg.is_flagged([D("92"), D("70"), D("88")], D("15"))
    assert not agg.is_flagged([D("90"), D("80"), D("85")], D("10"))  # exactly the limit: not flagged
    assert agg.is_flagged([D("90"), D("79.99"), D("85")], D("10"))
    # the spread counts every judge, also those dropped by the 5-judge rule
    assert agg.is_flagged([D("99"), D("80"), D("60"), D("84"), D("82")], D("10"))


RULES = [agg.ItemRule(1, "theory", D("30"), D("100")), agg.ItemRule(2, "practical", D("70"), D("50"))]


def test_weighted_total_normalises_each_maximum():
    # theory 90/100 × 30 = 27; practical 40/50 × 70 = 56 → 83
    row = agg.standing(7, {1: D("90"), 2: D("40")}, RULES)
    assert (row.total, row.practical, row.theory) == (D("83.00"), D("56.00"), D("27.00"))


SAME_MAX = [agg.ItemRule(1, "theory", D("40"), D("100")), agg.ItemRule(2, "practical", D("60"), D("100"))]


def test_ties_broken_by_practical_points_then_shared():
    a = agg.standing(1, {1: D("90"), 2: D("80")}, SAME_MAX)   # 36 + 48 = 84, practical 48
    b = agg.standing(2, {1: D("75"), 2: D("90")}, SAME_MAX)   # 30 + 54 = 84, practical 54
    c = agg.standing(3, {1: D("90"), 2: D("80")}, SAME_MAX)   # exactly a: the same rank
    d = agg.standing(4, {1: D("100"), 2: D("70")}, SAME_MAX)  # 40 + 42 = 82
    e = agg.standing(5, {1: D("60"), 2: D("100")}, SAME_MAX)  # 24 + 60 = 84, practical 60
    ranked = agg.rank([a, b, c, d, e], first=1, second=2, third=3, titles=2)
    assert [(s.entrant_id, s.rank) for s in ranked] == [(5, 1), (2, 2), (1, 3), (3, 3), (4, 5)]
    assert {s.entrant_id: s.prize for s in ranked} == {5: "first", 2: "second", 3: "second", 1: "second",
                                                       4: "third"}
    assert {s.entrant_id for s in ranked if s.title} == {5, 2}


def test_prize_bands_by_rank():
    assert [agg.prize_for(r, 1, 2, 3) for r in range(1, 8)] == [
        "first", "second", "second", "third", "third", "third", None]
    assert agg.prize_for(1, 0, 0, 1) == "third"
