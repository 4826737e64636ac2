"""The privacy regimes a request can be handled under: one table, one row per regime (issue 14 part 4).

The requester's state of residence decides the regime. California is the default (every request made
before this table existed, and every form that does not ask, stays California); "other" is handled
voluntarily under the California rules. Deadlines in `requests_app.deadlines` read the response and
extension days from here. Each row names the statute section it rests on; a field left empty means the
statute was not checked for it here, not that the answer is "none".
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    CALIFORNIA = "CA", _("California")
    VIRGINIA = "VA", _("Virginia")
    COLORADO = "CO", _("Colorado")
    CONNECTICUT = "CT", _("Connecticut")
    TEXAS = "TX", _("Texas")
    OREGON = "OR", _("Oregon")
    OTHER = "OTHER", _("Another state (handled under the California rules)")


DEFAULT = Regime.CALIFORNIA


@dataclass(frozen=True)
class RegimeRules:
    code: str
    name: str
    statute: str  # the section the rights and deadlines below rest on
    rights: tuple[str, ...]
    response_days: int
    extension_days: int  # one extension, when reasonably necessary, with notice inside the first period
    appeal_offered: bool
    appeal_decision_days: int | None  # days from receipt of the appeal
    appeal_extension_days: int  # a further period for the appeal decision the statute allows, 0 when none
    denial_must_say: tuple[str, ...]
    attorney_general: str  # where a consumer may complain after a denied appeal
    attorney_general_url: str
    universal_opt_out: str  # the mechanism recognised, "" when the statute names none
    universal_opt_out_since: date | None  # when honouring it became a duty


CALIFORNIA_RULES = RegimeRules(
    code=Regime.CALIFORNIA,
    name="California (CCPA/CPRA)",
    statute="Cal. Civ. Code §1798.130(a)(2); Cal. Code Regs. tit. 11 §7021",
    rights=("know", "delete", "correct", "opt out of sale/sharing", "limit use of sensitive information"),
    response_days=45,
    extension_days=45,
    appeal_offered=False,  # CCPA has no statutory appeal; the portal's own review stays available
    appeal_decision_days=None,
    appeal_extension_days=0,
    denial_must_say=(
        "the basis for the denial",
        "that the consumer may complain to the CPPA or Attorney General",
    ),
    attorney_general="California Attorney General, oag.ca.gov/privacy; California Privacy Protection Agency, cppa.ca.gov",
    attorney_general_url="https://oag.ca.gov/privacy",
    universal_opt_out="Opt-out preference signal (e.g. Global Privacy Control), Cal. Code Regs. tit. 11 §7025",
    universal_opt_out_since=date(2020, 8, 14),  # first regulations, §999.315(c); §7025 since 2023-03-29
)

REGIMES: dict[str, RegimeRules] = {
    Regime.CALIFORNIA: CALIFORNIA_RULES,
    Regime.VIRGINIA: RegimeRules(
        code=Regime.VIRGINIA,
        name="Virginia (VCDPA)",
        statute="Va. Code §59.1-577 (rights, 45+45 days); §59.1-577(C) (appeal, 60 days)",
        rights=(
            "confirm and access",
            "correct",
            "delete",
            "portable copy",
            "opt out of targeted advertising, sale, profiling",
        ),
        response_days=45,
        extension_days=45,
        appeal_offered=True,
        appeal_decision_days=60,
        appeal_extension_days=0,
        denial_must_say=(
            "the justification for declining",
            "how to appeal",
            "how to contact the Attorney General",
        ),
        attorney_general="Office of the Attorney General of Virginia, Consumer Protection Section",
        attorney_general_url="https://www.oag.state.va.us/consumer-protection",
        universal_opt_out="",  # the VCDPA names no opt-out preference signal
        universal_opt_out_since=None,
    ),
    Regime.COLORADO: RegimeRules(
        code=Regime.COLORADO,
        name="Colorado (CPA)",
        statute="Colo. Rev. Stat. §6-1-1306(2) (rights, 45+45 days); §6-1-1306(3) (appeal, 45 days, +60)",
        rights=(
            "access",
            "correct",
            "delete",
            "portable copy",
            "opt out of targeted advertising, sale, profiling",
        ),
        response_days=45,
        extension_days=45,
        appeal_offered=True,
        appeal_decision_days=45,
        appeal_extension_days=60,  # §6-1-1306(3)(b), when reasonably necessary
        denial_must_say=(
            "the reasons for not taking action",
            "how to appeal",
            "how to contact the Attorney General",
        ),
        attorney_general="Colorado Attorney General, coag.gov",
        attorney_general_url="https://coag.gov/file-complaint/",
        universal_opt_out="Universal opt-out mechanism on the Attorney General's list (Global Privacy Control), "
        "Colo. Rev. Stat. §6-1-1306(1)(a)(IV)",
        universal_opt_out_since=date(2024, 7, 1),
    ),
    Regime.CONNECTICUT: RegimeRules(
        code=Regime.CONNECTICUT,
        name="Connecticut (CTDPA)",
        statute="Conn. Gen. Stat. §42-518(b) (rights, 45+45 days); §42-518(d) (appeal, 60 days)",
        rights=(
            "confirm and access",
            "correct",
            "delete",
            "portable copy",
            "opt out of targeted advertising, sale, profiling",
        ),
        response_days=45,
        extension_days=45,
        appeal_offered=True,
        appeal_decision_days=60,
        appeal_extension_days=0,
        denial_must_say=(
            "the justification for declining",
            "how to appeal",
            "how to contact the Attorney General",
        ),
        attorney_general="Connecticut Office of the Attorney General, portal.ct.gov/ag",
        attorney_general_url="https://portal.ct.gov/ag/sections/privacy/the-connecticut-data-privacy-act",
        universal_opt_out="Opt-out preference signal (e.g. Global Privacy Control), Conn. Gen. Stat. §42-520(e)",
        universal_opt_out_since=date(2025, 1, 1),
    ),
    Regime.TEXAS: RegimeRules(
        code=Regime.TEXAS,
        name="Texas (TDPSA)",
        statute="Tex. Bus. & Com. Code §541.052 (45+45 days); §541.053 (appeal, 60 days)",
        rights=(
            "confirm and access",
            "correct",
            "delete",
            "portable copy",
            "opt out of targeted advertising, sale, profiling",
        ),
        response_days=45,
        extension_days=45,
        appeal_offered=True,
        appeal_decision_days=60,
        appeal_extension_days=0,
        denial_must_say=(
            "the justification for declining",
            "how to appeal",
            "the Attorney General's online complaint mechanism",
        ),
        attorney_general="Texas Attorney General, texasattorneygeneral.gov (online complaint form)",
        attorney_general_url="https://www.texasattorneygeneral.gov/consumer-protection",
        # A browser setting or global device setting designates an authorized agent to opt out.
        universal_opt_out="Browser or device opt-out setting (e.g. Global Privacy Control), "
        "Tex. Bus. & Com. Code §541.055(e)",
        universal_opt_out_since=date(2025, 1, 1),
    ),
    Regime.OREGON: RegimeRules(
        code=Regime.OREGON,
        name="Oregon (OCPA)",
        statute="Or. Rev. Stat. §646A.576(5) (rights, 45+45 days); §646A.576(6)(d) (appeal, 45 days)",
        rights=(
            "confirm and access",
            "list of third parties",
            "correct",
            "delete",
            "portable copy",
            "opt out of targeted advertising, sale, profiling",
        ),
        response_days=45,
        extension_days=45,
        appeal_offered=True,
        appeal_decision_days=45,
        appeal_extension_days=0,
        denial_must_say=(
            "the justification for declining",
            "how to appeal",
            "how to contact the Attorney General",
        ),
        attorney_general="Oregon Department of Justice, doj.state.or.us",
        attorney_general_url="https://www.doj.state.or.us/consumer-protection/",
        universal_opt_out="Universal opt-out mechanism (e.g. Global Privacy Control), Or. Rev. Stat. §646A.578(5)(c)",
        universal_opt_out_since=date(2026, 1, 1),
    ),
    Regime.OTHER: CALIFORNIA_RULES,
}


def regime_rules(code: str | None) -> RegimeRules:
    """The row for a stored regime code; an empty or unknown code reads as California."""
    return REGIMES.get(code or DEFAULT, CALIFORNIA_RULES)


def appeal_decision_days(code: str | None) -> int:
    """Days to decide an appeal: the regime's statutory period, or the portal's own
    (settings.APPEAL_RESPONSE_DAYS) where the regime has no appeal duty (California, other)."""
    from django.conf import settings

    return regime_rules(code).appeal_decision_days or settings.APPEAL_RESPONSE_DAYS
