from datetime import UTC, date, datetime

from requests_app import deadlines
from requests_app.models import Kind
from requests_app.regimes import REGIMES, Regime, regime_rules


def test_every_regime_has_a_row_with_a_statute():
    assert set(REGIMES) == set(Regime.values)
    for code, rules in REGIMES.items():
        assert rules.statute, code
        assert rules.response_days == 45 and rules.extension_days == 45, code


def test_other_and_unknown_read_as_california():
    assert regime_rules(Regime.OTHER) is regime_rules(Regime.CALIFORNIA)
    assert regime_rules("") is regime_rules(Regime.CALIFORNIA)
    assert regime_rules("ZZ") is regime_rules(Regime.CALIFORNIA)


def test_colorado_recognises_gpc_and_appeals_differ_from_california():
    assert "Global Privacy Control" in REGIMES[Regime.COLORADO].universal_opt_out
    assert REGIMES[Regime.COLORADO].appeal_decision_days == 45
    assert REGIMES[Regime.VIRGINIA].appeal_decision_days == 60
    assert not REGIMES[Regime.CALIFORNIA].appeal_offered
    for code in (Regime.VIRGINIA, Regime.COLORADO, Regime.CONNECTICUT, Regime.TEXAS, Regime.OREGON):
        assert "how to appeal" in REGIMES[code].denial_must_say, code


def test_deadlines_read_the_table(monkeypatch):
    received = datetime(2026, 10, 12, 18, 0, tzinfo=UTC)
    assert deadlines.response_due(received, Kind.DELETE, Regime.TEXAS) == date(2026, 11, 26)
    rules = REGIMES[Regime.TEXAS]
    monkeypatch.setitem(REGIMES, Regime.TEXAS, type(rules)(**{**rules.__dict__, "response_days": 30}))
    assert deadlines.response_due(received, Kind.DELETE, Regime.TEXAS) == date(2026, 11, 11)
    assert deadlines.response_due(received, Kind.DELETE) == date(2026, 11, 26)
