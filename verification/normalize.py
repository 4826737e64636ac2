"""Normalisation of identity data typed by requesters and held in stored records.

Both sides of every comparison go through these functions, and records are looked up by
exact normalised keys, so each function must be deterministic and idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

import idna
import phonenumbers
from django.utils.translation import gettext_lazy as _


class NormalizationError(ValueError):
    """Input that cannot be normalised; ``message`` is safe to show in a form (translated lazily,
    in the visitor's language)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


EMAIL_MESSAGE = _("Enter a valid e-mail address, like name@example.com.")
PHONE_MESSAGE = _("Enter a valid phone number, like (415) 555-0123.")
NAME_MESSAGE = _("Enter your name as it appears on your account.")
STREET_MESSAGE = _("Enter your street address, like 900 Concar Dr #2.")
ZIP_MESSAGE = _("Enter a valid ZIP code, like 94403 or 94403-1234.")
DOB_MESSAGE = _("Enter your date of birth, like 1990-04-02 or 04/02/1990.")
DOB_FUTURE_MESSAGE = _("Your date of birth can't be in the future.")
DOB_TOO_OLD_MESSAGE = _("Check your date of birth: it is more than 120 years ago.")
MEMBER_NUMBER_MESSAGE = _("Enter your member number as it appears on your card, like RN00012345.")

_MAX_LOCAL_OCTETS = 64
_MAX_ADDRESS_OCTETS = 254
_MAX_AGE_YEARS = 120

# Characters that only make sense in quoted local parts, which no real requester types.
_EMAIL_LOCAL_FORBIDDEN = frozenset('()<>[]\\,;:"@')
_NO_APOSTROPHES = {ord(ch): None for ch in "'`\u00b4\u02b9\u02bc\u2018\u2019\u2032\uff07"}


def _fold(text: str) -> str:
    """Accent-free casefolded text without apostrophes ("O'Brien" is "obrien")."""
    # Apostrophes go first because NFKD turns the acute accent U+00B4 into a space, and again
    # last because NFKD turns the fullwidth one into "'". Casefolding can yield decomposable text.
    text = unicodedata.normalize("NFKD", text.translate(_NO_APOSTROPHES)).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    return text.translate(_NO_APOSTROPHES)


# --- e-mail -------------------------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """Return the address with a casefolded NFKC local part and an ASCII (punycode) domain."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.count("@") != 1:
        raise NormalizationError(EMAIL_MESSAGE)
    local, domain = text.split("@")
    local = unicodedata.normalize("NFKC", local.casefold())
    if not _is_sane_local_part(local):
        raise NormalizationError(EMAIL_MESSAGE)
    # UTS46 mapping lowercases the domain itself; casefolding it first would turn 'ß' into 'ss'
    # and so point at a different registered domain.
    try:
        ascii_domain = idna.encode(domain, uts46=True, std3_rules=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError is a UnicodeError
        raise NormalizationError(EMAIL_MESSAGE) from exc
    ascii_domain = ascii_domain.removesuffix(".")
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(labels) or labels[-1].isdigit():
        raise NormalizationError(EMAIL_MESSAGE)
    address = f"{local}@{ascii_domain}"
    if len(address.encode("utf-8")) > _MAX_ADDRESS_OCTETS:
        raise NormalizationError(EMAIL_MESSAGE)
    return address


def _is_sane_local_part(local: str) -> bool:
    if not local or len(local.encode("utf-8")) > _MAX_LOCAL_OCTETS:
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return not any(ch in _EMAIL_LOCAL_FORBIDDEN or unicodedata.category(ch)[0] in "CZ" for ch in local)


# Scripts with letters that render like ASCII ones (Cyrillic 'а', Greek 'ο', Armenian 'օ', ...).
_LOOKALIKE_SCRIPTS = frozenset({"ARMENIAN", "CHEROKEE", "COPTIC", "CYRILLIC", "GREEK", "LISU"})
# Latin letters outside ASCII that have no visible diacritic to tell them apart ('ı', 'ɡ', 'ᴀ').
_LATIN_LOOKALIKE_MARKERS = ("DOTLESS", "SMALL CAPITAL", " SCRIPT ", "LETTER ALPHA", "LETTER IOTA")
# Script combinations ordinary in CJK writing (UTS 39 "highly restrictive"), Latin allowed alongside.
_CJK_SCRIPT_SETS = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"HAN", "BOPOMOFO"}),
    frozenset({"HAN", "HANGUL"}),
)
_SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}


def _script(name: str) -> str:
    first_word = name.split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(first_word, first_word)


def email_is_confusable(raw: str) -> bool:
    """Whether the address uses non-ASCII letters that pass for ASCII ones, or mixes scripts.

    A heuristic on Unicode character names, deliberately erring towards True: a flagged
    address needs a closer look, it is not proof of spoofing.
    """
    text = unicodedata.normalize("NFKC", raw)
    if text.isascii():
        return False
    scripts: set[str] = set()
    for ch in text:
        if not unicodedata.category(ch).startswith("L"):
            continue
        if ch.isascii():
            scripts.add("LATIN")
            continue
        name = unicodedata.name(ch, "")
        script = _script(name)
        if script in _LOOKALIKE_SCRIPTS:
            return True
        if script == "LATIN" and any(marker in name for marker in _LATIN_LOOKALIKE_MARKERS):
            return True
        scripts.add(script)
    others = scripts - {"LATIN"}
    return len(others) > 1 and not any(others <= allowed for allowed in _CJK_SCRIPT_SETS)


# --- phone --------------------------------------------------------------------------------------


def normalize_phone(raw: str, *, region: str = "US") -> str:
    """Return the number in E.164 form; numbers without a '+' are read as numbers of ``region``."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise NormalizationError(PHONE_MESSAGE) from exc
    if not phonenumbers.is_valid_number(number):
        raise NormalizationError(PHONE_MESSAGE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- name ---------------------------------------------------------------------------------------


def normalize_name(raw: str) -> str:
    """Return the name's accent-free, casefolded tokens, sorted so that word order does not matter."""
    chars = []
    for ch in _fold(raw):
        category = unicodedata.category(ch)
        if category[0] in "LN":
            chars.append(ch)
        elif category == "Pd":
            chars.append("-")
        else:
            chars.append(" ")
    tokens = [re.sub("-{2,}", "-", token).strip("-") for token in "".join(chars).split()]
    tokens = [token for token in tokens if token]
    if not tokens:
        raise NormalizationError(NAME_MESSAGE)
    return " ".join(sorted(tokens))


# --- street -------------------------------------------------------------------------------------

# USPS Publication 28 street suffixes, directionals and secondary designators, long form (and
# common misspellings) to standard abbreviation. Every value maps to itself, keeping this idempotent.
STREET_ABBREVIATIONS = {
    "alley": "aly", "allee": "aly", "ally": "aly",
    "avenue": "ave", "av": "ave", "aven": "ave", "avenu": "ave", "avn": "ave", "avnue": "ave",
    "boulevard": "blvd", "boul": "blvd", "boulv": "blvd",
    "circle": "cir", "circ": "cir", "circl": "cir", "crcl": "cir", "crcle": "cir",
    "court": "ct", "cove": "cv", "crescent": "cres", "creek": "crk", "crossing": "xing",
    "drive": "dr", "driv": "dr", "drv": "dr",
    "expressway": "expy", "freeway": "fwy", "heights": "hts",
    "highway": "hwy", "highwy": "hwy", "hiway": "hwy", "hiwy": "hwy", "hway": "hwy",
    "lane": "ln", "parkway": "pkwy", "parkwy": "pkwy", "pkway": "pkwy", "pky": "pkwy",
    "place": "pl", "plaza": "plz", "point": "pt", "road": "rd", "route": "rte", "square": "sq",
    "street": "st", "str": "st", "strt": "st",
    "terrace": "ter", "trail": "trl", "turnpike": "tpke", "center": "ctr", "centre": "ctr",
    "north": "n", "south": "s", "east": "e", "west": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
    "building": "bldg", "department": "dept", "floor": "fl", "room": "rm",
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
    "sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th",
}  # fmt: skip
# Designators the USPS lets '#' stand for; "Suite 2", "Apt. 2" and "#2" all become "#2".
UNIT_DESIGNATORS = frozenset({"#", "apartment", "apt", "suite", "ste", "unit"})
# '#', digit runs joined by '-' or '/' (Queens "123-45", "12 1/2"), or a run of letters/digits.
_STREET_TOKEN = re.compile(r"#|[0-9]+(?:[-/][0-9]+)+|[^\W_]+")


def normalize_street(raw: str) -> str:
    """Return the street line as casefolded tokens with USPS abbreviations and a '#unit' token."""
    tokens = _STREET_TOKEN.findall(_fold(raw).replace(".", ""))
    out = []
    i = 0
    while i < len(tokens):
        if tokens[i] in UNIT_DESIGNATORS:
            while i < len(tokens) and tokens[i] in UNIT_DESIGNATORS:
                i += 1
            if i < len(tokens):
                out.append("#" + tokens[i])
        else:
            out.append(STREET_ABBREVIATIONS.get(tokens[i], tokens[i]))
        i += 1
    if not out:
        raise NormalizationError(STREET_MESSAGE)
    return " ".join(out)


# --- ZIP, date of birth, member number ----------------------------------------------------------

_ZIP = re.compile(r"([0-9]{5})(?:[ -]?[0-9]{4})?")


def normalize_zip(raw: str) -> str:
    """Return the 5-digit ZIP code of a ZIP or ZIP+4."""
    match = _ZIP.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    if match is None or match[1] == "00000":
        raise NormalizationError(ZIP_MESSAGE)
    return match[1]


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_US_DATE = re.compile(r"([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4})")


def normalize_dob(raw: str | date, *, today: date | None = None) -> date:
    """Return the date of birth from a date, "YYYY-MM-DD" or US "MM/DD/YYYY"; it must be a plausible one."""
    if isinstance(raw, datetime):
        dob = raw.date()
    elif isinstance(raw, date):
        dob = raw
    else:
        dob = _parse_date(unicodedata.normalize("NFKC", raw).strip())
    if today is None:
        today = datetime.now(UTC).date()
    if dob > today:
        raise NormalizationError(DOB_FUTURE_MESSAGE)
    age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    if age > _MAX_AGE_YEARS:
        raise NormalizationError(DOB_TOO_OLD_MESSAGE)
    return dob


def _parse_date(text: str) -> date:
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _US_DATE.fullmatch(text):
        month, day, year = match.groups()
    else:
        raise NormalizationError(DOB_MESSAGE)
    try:
        return date(int(year), int(month), int(day))
    except ValueError as exc:
        raise NormalizationError(DOB_MESSAGE) from exc


_MEMBER_NUMBER = re.compile(r"RN[0-9]{8}")


def normalize_member_number(raw: str) -> str:
    """Return the member number as "RN" and 8 digits, without the spaces and dashes people type."""
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKC", raw)
        if not ch.isspace() and unicodedata.category(ch) != "Pd"
    ).upper()
    if not _MEMBER_NUMBER.fullmatch(text):
        raise NormalizationError(MEMBER_NUMBER_MESSAGE)
    return text
