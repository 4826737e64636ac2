from datetime import UTC, date, datetime

import pytest

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


# The figures, as read from each statute (section in the last column). Written out here separately from the
# table in requests_app/regimes.py so that a slip in either shows: response + extension days, appeal
# decision days + their extension, and the date from which an opt-out preference signal must be honoured.
STATUTE_FIGURES = [
    (Regime.CALIFORNIA, 45, 45, None, 0, date(2020, 8, 14)),  # Civ. Code §1798.130(a)(2); Regs §7025
    (Regime.VIRGINIA, 45, 45, 60, 0, None),  # Va. Code §59.1-577(B), (C); no signal in the VCDPA
    (Regime.COLORADO, 45, 45, 45, 60, date(2024, 7, 1)),  # C.R.S. §6-1-1306(2), (3)(b), (1)(a)(IV)
    (Regime.CONNECTICUT, 45, 45, 60, 0, date(2025, 1, 1)),  # Conn. Gen. Stat. §42-518(b), (d); §42-520(e)
    (Regime.TEXAS, 45, 45, 60, 0, date(2025, 1, 1)),  # Tex. Bus. & Com. Code §541.052, §541.053, §541.055(e)
    (Regime.OREGON, 45, 45, 45, 0, date(2026, 1, 1)),  # ORS 646A.576(5), (6)(d); §646A.578(5)(c)
]


@pytest.mark.parametrize(
    ("code", "respond", "extend", "appeal", "appeal_extend", "signal_since"), STATUTE_FIGURES
)
def test_each_regime_holds_its_statutes_figures(code, respond, extend, appeal, appeal_extend, signal_since):
    rules = REGIMES[code]
    assert (rules.response_days, rules.extension_days) == (respond, extend)
    assert (rules.appeal_decision_days, rules.appeal_extension_days) == (appeal, appeal_extend)
    assert rules.appeal_offered == (appeal is not None)
    assert rules.universal_opt_out_since == signal_since
    assert bool(rules.universal_opt_out) == (signal_since is not None)


def test_the_figures_cover_every_state_regime():
    assert {row[0] for row in STATUTE_FIGURES} == set(Regime.values) - {Regime.OTHER}
