from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verification.normalize import (
    STREET_ABBREVIATIONS,
    UNIT_DESIGNATORS,
    NormalizationError,
    email_is_confusable,
    normalize_dob,
    normalize_email,
    normalize_member_number,
    normalize_name,
    normalize_phone,
    normalize_street,
    normalize_zip,
)

TODAY = date(2025, 6, 15)

# No example database: the suite must not write files into the work tree.
property_test = settings(
    database=None, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)


def _dob(raw: str | date) -> date:
    return normalize_dob(raw, today=TODAY)


NORMALIZERS: dict[str, Callable[[str], object]] = {
    "email": normalize_email,
    "phone": normalize_phone,
    "name": normalize_name,
    "street": normalize_street,
    "zip": normalize_zip,
    "dob": _dob,
    "member_number": normalize_member_number,
}


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("john@example.com", "john@example.com"),
        ("  John.Smith@Example.COM \n", "john.smith@example.com"),
        ("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "john@example.com"),
        ("josé@bücher.de", "josé@xn--bcher-kva.de"),
        ("JOSÉ@BÜCHER.DE", "josé@xn--bcher-kva.de"),
        ("jose\u0301@bu\u0308cher.de", "josé@xn--bcher-kva.de"),
        ("info@日本語。jp", "info@xn--wgv71a119e.jp"),
        ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
        ("john@example.com.", "john@example.com"),
        ("STRASSE@straße.de", "strasse@xn--strae-oqa.de"),
    ],
)
def test_normalize_email_folds_case_and_width_and_encodes_the_domain(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "john",
        "john@",
        "@example.com",
        "john@@example.com",
        "john@doe@example.com",
        "john@localhost",
        "john@example..com",
        "john@.example.com",
        "john@-example.com",
        "john@exa_mple.com",
        "john@exa mple.com",
        "john@1.2.3.4",
        "jo hn@example.com",
        "jo<hn>@example.com",
        ".john@example.com",
        "john.@example.com",
        "jo..hn@example.com",
        "a" * 65 + "@example.com",
        "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com",
        "john@" + "a" * 64 + ".com",
    ],
)
def test_normalize_email_refuses_malformed_addresses_with_a_friendly_message(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_email(raw)
    assert excinfo.value.message == "Enter a valid e-mail address, like name@example.com."
    assert str(excinfo.value) == excinfo.value.message


def test_normalize_email_accepts_a_64_octet_local_part() -> None:
    assert normalize_email("a" * 64 + "@example.com") == "a" * 64 + "@example.com"


def test_a_cyrillic_look_alike_email_is_flagged_and_stays_distinct() -> None:
    spoof = "j\u043ehn@example.com"  # Cyrillic small letter o
    assert email_is_confusable(spoof)
    assert normalize_email(spoof) != normalize_email("john@example.com")


@pytest.mark.parametrize(
    "raw",
    [
        "j\u043ehn@example.com",  # Cyrillic о in the local part
        "john@p\u0430ypal.com",  # Cyrillic а in the domain
        "j\u03bfhn@example.com",  # Greek omicron
        "john@\u0430\u0440\u0440\u04cf\u0435.com",  # "аррӏе": all Cyrillic, passes for "apple"
        "j\u0585hn@example.com",  # Armenian oh
        "l\u0131nk@example.com",  # Latin dotless i
        "\u0261oogle@example.com",  # Latin script g
        "info@\u65e5\u672c.\u0440\u0444",  # Han and Cyrillic
        "\u0645\u062b\u0627\u0644@\u0e44\u0e17\u0e22.com",  # Arabic and Thai
    ],
)
def test_email_is_confusable_flags_look_alikes_and_mixed_scripts(raw: str) -> None:
    assert email_is_confusable(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "john@example.com",
        "John.Smith+tag@Example.COM",
        "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # fullwidth folds to ASCII under NFKC
        "josé@bücher.de",
        "info@日本語.jp",
        "ユーザー@例え.jp",
        "\u0645\u062b\u0627\u0644@example.com",  # Arabic and Latin
        "not an address",
        "",
    ],
)
def test_email_is_confusable_leaves_ascii_accented_latin_and_single_script_addresses_alone(
    raw: str,
) -> None:
    assert not email_is_confusable(raw)


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0123", "US", "+14155550123"),
        ("415.555.0123", "US", "+14155550123"),
        ("1-415-555-0123", "US", "+14155550123"),
        ("+1 415 555 0123", "US", "+14155550123"),
        ("（４１５）５５５－０１２３", "US", "+14155550123"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+14155550123", "GB", "+14155550123"),
    ],
)
def test_normalize_phone_returns_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region=region) == expected


@pytest.mark.parametrize("raw", ["", "hello", "555-0123", "(415) 555-012", "+1 000 000 0000", "+999 1234"])
def test_normalize_phone_refuses_invalid_numbers_with_a_friendly_message(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_phone(raw)
    assert excinfo.value.message == "Enter a valid phone number, like (415) 555-0123."


# --- name ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("José  de la Cruz", "Cruz, Jose De La"),
        ("JOSÉ DE LA CRUZ", "jose de la cruz"),
        ("Zoë O'Brien", "obrien zoe"),
        ("Zoë O’Brien", "Zoe OBrien"),
        ("Mary-Jane Smith", "smith, mary-jane"),
        ("Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"),
        ("Straße", "STRASSE"),
        ("Smith - Jones", "Jones Smith"),
    ],
)
def test_normalize_name_ignores_accents_case_punctuation_and_word_order(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_sorts_casefolded_tokens() -> None:
    assert normalize_name("  José  de la Cruz ") == "cruz de jose la"
    assert normalize_name("John Smith III") == "iii john smith"


def test_normalize_name_keeps_different_names_apart() -> None:
    assert normalize_name("John Smith") != normalize_name("Jane Smith")


@pytest.mark.parametrize("raw", ["", "   ", "'", "--", ".,;"])
def test_normalize_name_refuses_text_without_letters(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_name(raw)
    assert excinfo.value.message == "Enter your name as it appears on your account."


# --- street -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("900 Concar Drive, Suite 2", "900 concar dr #2"),
        ("900 Concar Dr., Ste. 2", "900 CONCAR DR # 2"),
        ("900 Concar Drive Apartment 2", "900 Concar Dr Apt #2"),
        ("900 Concar Drive Unit 2", "900 concar dr #2"),
        ("12 North Main Street", "12 N Main St"),
        ("1 Market Avenue Northeast", "1 market ave ne"),
        ("77 Sunset Boulevard", "77 sunset blvd"),
        ("5 Oak Road", "5 oak rd"),
        ("8 Elm Lane", "8 elm ln"),
        ("3 Pine Court", "3 pine ct"),
        ("4 Maple Place", "4 maple pl"),
        ("10 Fifth Avenue", "10 5th ave"),
        ("250 O'Farrell Street", "250 OFarrell St"),
        ("1 Calle José", "1 calle jose"),
    ],
)
def test_normalize_street_treats_usps_abbreviations_as_equal(a: str, b: str) -> None:
    assert normalize_street(a) == normalize_street(b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("900 Concar Drive, Suite 2", "900 concar dr #2"),
        ("123-45 Queens Boulevard, Apt. 4B", "123-45 queens blvd #4b"),
        ("12 1/2 Main St", "12 1/2 main st"),
        ("P.O. Box 42", "po box 42"),
        ("900 Concar Dr Suite", "900 concar dr"),
    ],
)
def test_normalize_street_keeps_house_number_street_and_unit(raw: str, expected: str) -> None:
    assert normalize_street(raw) == expected


def test_street_abbreviations_are_fixed_points() -> None:
    for abbreviation in STREET_ABBREVIATIONS.values():
        assert STREET_ABBREVIATIONS.get(abbreviation, abbreviation) == abbreviation
        assert abbreviation not in UNIT_DESIGNATORS


@pytest.mark.parametrize("raw", ["", "  ", ",.;", "#"])
def test_normalize_street_refuses_an_empty_address(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_street(raw)
    assert excinfo.value.message == "Enter your street address, like 900 Concar Dr #2."


# --- ZIP ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("94403", "94403"),
        (" 94403-1234 ", "94403"),
        ("94403 1234", "94403"),
        ("944031234", "94403"),
        ("９４４０３", "94403"),
        ("00501", "00501"),
    ],
)
def test_normalize_zip_returns_five_digits_of_a_zip_or_zip_plus_4(raw: str, expected: str) -> None:
    assert normalize_zip(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "9440", "944031", "94403-12", "ABCDE", "00000", "94403-1234-1", "SW1A 1AA"]
)
def test_normalize_zip_refuses_anything_else(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_zip(raw)
    assert excinfo.value.message == "Enter a valid ZIP code, like 94403 or 94403-1234."


# --- date of birth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1990-04-02",
        "04/02/1990",
        "4/2/1990",
        "04-02-1990",
        " 1990-4-2 ",
        date(1990, 4, 2),
        datetime(1990, 4, 2, 12, tzinfo=UTC),
    ],
)
def test_normalize_dob_reads_dates_iso_and_us_month_first(raw: str | date) -> None:
    assert _dob(raw) == date(1990, 4, 2)


def test_normalize_dob_accepts_today_and_an_age_of_120() -> None:
    assert _dob(TODAY) == TODAY
    assert _dob("1904-06-16") == date(1904, 6, 16)


@pytest.mark.parametrize(
    "raw", ["", "yesterday", "02.04.1990", "90-04-02", "1990-02-30", "13/01/1990", "0000-01-01"]
)
def test_normalize_dob_refuses_unreadable_dates(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        _dob(raw)
    assert excinfo.value.message == "Enter your date of birth, like 1990-04-02 or 04/02/1990."


def test_normalize_dob_refuses_a_future_date() -> None:
    with pytest.raises(NormalizationError) as excinfo:
        _dob("2025-06-16")
    assert excinfo.value.message == "Your date of birth can't be in the future."


def test_normalize_dob_refuses_an_age_over_120() -> None:
    with pytest.raises(NormalizationError) as excinfo:
        _dob("1904-06-15")
    assert excinfo.value.message == "Check your date of birth: it is more than 120 years ago."


def test_normalize_dob_defaults_today_to_the_current_date() -> None:
    with pytest.raises(NormalizationError):
        normalize_dob(date(9999, 12, 31))
    assert normalize_dob("1990-04-02") == date(1990, 4, 2)


# --- member number ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["RN00012345", "rn00012345", " RN-0001-2345 ", "rn 0001 2345", "ＲＮ０００１２３４５"]
)
def test_normalize_member_number_strips_separators_and_upper_cases(raw: str) -> None:
    assert normalize_member_number(raw) == "RN00012345"


@pytest.mark.parametrize(
    "raw", ["", "RN1234567", "RN123456789", "XX00012345", "00012345", "RN0001234A", "RN.00012345"]
)
def test_normalize_member_number_refuses_other_formats(raw: str) -> None:
    with pytest.raises(NormalizationError) as excinfo:
        normalize_member_number(raw)
    assert excinfo.value.message == "Enter your member number as it appears on your card, like RN00012345."


# --- properties ---------------------------------------------------------------------------------


@pytest.mark.parametrize("normalizer", NORMALIZERS.values(), ids=NORMALIZERS.keys())
@property_test
@given(raw=st.text())
def test_normalizers_raise_only_normalization_error_on_arbitrary_text(
    normalizer: Callable[[str], object], raw: str
) -> None:
    try:
        normalizer(raw)
    except NormalizationError as exc:
        assert exc.message


@property_test
@given(raw=st.text())
def test_email_is_confusable_never_raises(raw: str) -> None:
    assert isinstance(email_is_confusable(raw), bool)


def _assert_idempotent(normalizer: Callable[[Any], object], raw: object) -> None:
    try:
        once = normalizer(raw)
    except NormalizationError:
        return
    assert normalizer(once) == once


_LETTERS = st.characters(categories=["L", "M", "Nd"])
_UNICODE_EMAILS = st.builds(
    "{}@{}.{}".format,
    st.text(_LETTERS | st.sampled_from(".+-_"), min_size=1, max_size=20),
    st.text(_LETTERS | st.just("-"), min_size=1, max_size=20),
    st.sampled_from(["com", "de", "jp", "рф", "みんな", "XN--P1AI"]),
)
_PHONES = st.from_regex(r"\+?[0-9 ().-]{7,20}", fullmatch=True) | st.builds(
    "+1 ({}) {}-{}".format,
    st.integers(200, 999),
    st.integers(200, 999),
    st.integers(0, 9999).map("{:04d}".format),
)
_STREET_WORDS = st.sampled_from(
    [
        *STREET_ABBREVIATIONS,
        *STREET_ABBREVIATIONS.values(),
        *UNIT_DESIGNATORS,
        "Main",
        "O'Farrell",
        "12",
        "4B",
    ]
)
_STREETS = st.lists(_STREET_WORDS | st.text(min_size=1, max_size=6), max_size=8).map(" ".join)
_DATES = st.dates(min_value=date(1904, 6, 16), max_value=TODAY)

IDEMPOTENCE_INPUTS: dict[str, st.SearchStrategy[str]] = {
    "email": st.emails() | _UNICODE_EMAILS | st.text(),
    "phone": _PHONES | st.text(),
    "name": st.text(),
    "street": _STREETS | st.text(),
    "zip": st.from_regex(r"\s*[0-9]{5}([ -]?[0-9]{4})?\s*", fullmatch=True) | st.text(),
    "dob": _DATES.map(date.isoformat) | _DATES.map(lambda d: d.strftime("%m/%d/%Y")) | st.text(),
    "member_number": st.from_regex(r"\s*[rR][nN][ -]?[0-9]{4}[ -]?[0-9]{4}\s*", fullmatch=True) | st.text(),
}


@pytest.mark.parametrize("field", IDEMPOTENCE_INPUTS.keys())
@property_test
@given(data=st.data())
def test_normalizers_are_idempotent_on_values_they_accept(field: str, data: st.DataObject) -> None:
    _assert_idempotent(NORMALIZERS[field], data.draw(IDEMPOTENCE_INPUTS[field]))


@property_test
@given(dob=st.dates())
def test_normalize_dob_is_idempotent_on_dates(dob: date) -> None:
    _assert_idempotent(_dob, dob)
