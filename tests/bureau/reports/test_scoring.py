import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from apps.client_portal.bureau.reports import scoring

TODAY = dt.date(2026, 12, 1)


def debt(**values):
    base = dict(past_due=Decimal("0"), charged_off=Decimal("0"), balance=Decimal("100"),
                original_amount=Decimal("1000"), closed_on=None, status="current",
                opened_on=dt.date(2020, 1, 1), payment_history="0" * 24)
    base.update(values)
    return SimpleNamespace(**base)


def test_a_clean_long_history_scores_the_sum_of_its_best_bands():
    result = scoring.score([debt()], 0, TODAY)
    # 600 + 60 + 50 + 20 + 30 + 30 + 10
    assert result.value == 800
    assert result.reasons == []
    assert result.model_version == scoring.MODEL_VERSION


def test_points_per_characteristic_add_up_and_reasons_name_the_biggest_losses():
    result = scoring.score([debt(past_due=Decimal("50"), payment_history="000123",
                                 balance=Decimal("900"))], 5, TODAY)
    assert result.value == scoring.BASE_POINTS + sum(f.points for f in result.factors)
    codes = [r["code"] for r in result.reasons]
    # R02 (90 days late: 130 below best), R01 (100 below), R04 (60), R06 (40)
    assert codes == ["R02", "R01", "R04", "R06"]
    assert len(codes) == scoring.TOP_REASONS
    assert [r["points_below_best"] for r in result.reasons] == [130, 100, 60, 40]


def test_charge_off_is_the_worst_and_the_score_stays_in_range():
    bad = [debt(status="charged_off", charged_off=Decimal("10"), past_due=Decimal("5"),
                payment_history="LLLL", opened_on=dt.date(2026, 6, 1)) for _ in range(3)]
    result = scoring.score(bad, 9, TODAY)
    assert scoring.MINIMUM <= result.value < 400
    assert result.reasons[0]["code"] == "R02"


def test_no_accounts_is_a_thin_file():
    result = scoring.score([], 0, TODAY)
    assert {f.code: f.band for f in result.factors}["R05"] == 3
    assert "R05" in [r["code"] for r in result.reasons]


def test_a_stored_score_reads_back_with_its_texts():
    stored = scoring.score([debt(past_due=Decimal("1"))], 0, TODAY).as_dict()
    back = scoring.Score.from_dict(stored)
    assert back.value == stored["value"]
    assert [str(f.reason) for f in back.reason_factors] == [
        "Amounts are past due on one or more accounts"]
    assert "article 22" in str(scoring.STATEMENT)
