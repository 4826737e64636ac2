from dataclasses import FrozenInstanceError, replace
from datetime import date

import pytest

from verification.normalize import (
    normalize_dob,
    normalize_email,
    normalize_member_number,
    normalize_name,
    normalize_phone,
    normalize_street,
    normalize_zip,
)
from verification.scoring import (
    DATA_POINTS,
    Identity,
    candidate_keys,
    matched_points,
    name_similarity,
)

STORED = Identity(
    email="jose@example.com",
    phone="+14155550123",
    member_number="RN00012345",
    name="cruz de jose la",
    street="900 concar dr #2",
    zip5="94403",
    dob=date(1990, 4, 2),
)


def test_data_points_are_the_six_verification_fields_in_order() -> None:
    assert DATA_POINTS == ("email", "phone", "member_number", "name", "street_zip", "dob")


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        (STORED, DATA_POINTS),
        (Identity(), ()),
        (Identity(email="jose@example.com"), ("email",)),
        (Identity(email="jose@example.org"), ()),
        (Identity(phone="+14155550123"), ("phone",)),
        (Identity(phone="+14155550124"), ()),
        (Identity(member_number="RN00012345"), ("member_number",)),
        (Identity(member_number="RN00012346"), ()),
        (Identity(name="cruz de jose la"), ("name",)),
        (Identity(name="cruz de jane la"), ()),
        (Identity(street="900 concar dr #2", zip5="94403"), ("street_zip",)),
        (Identity(street="900 concar dr #2", zip5="94404"), ()),
        (Identity(street="12 main st", zip5="94403"), ()),
        (Identity(street="900 concar dr #2"), ()),
        (Identity(zip5="94403"), ()),
        (Identity(dob=date(1990, 4, 2)), ("dob",)),
        (Identity(dob=date(1990, 2, 4)), ()),
        (
            Identity(dob=date(1990, 4, 2), email="jose@example.com", name="cruz de jose la"),
            ("email", "name", "dob"),
        ),
        (replace(STORED, phone="+14155559999", zip5="10001"), ("email", "member_number", "name", "dob")),
    ],
)
def test_matched_points_lists_the_matching_fields_in_data_points_order(
    claimed: Identity, expected: tuple[str, ...]
) -> None:
    assert matched_points(claimed, STORED) == expected


def test_matched_points_compares_values_normalised_from_differently_typed_input() -> None:
    claimed = Identity(
        email=normalize_email("  Jose@Example.COM "),
        phone=normalize_phone("(415) 555-0123"),
        member_number=normalize_member_number("rn 0001-2345"),
        name=normalize_name("José de la Cruz"),
        street=normalize_street("900 Concar Drive, Suite 2"),
        zip5=normalize_zip("94403-1234"),
        dob=normalize_dob("04/02/1990", today=date(2025, 1, 1)),
    )
    assert matched_points(claimed, STORED) == DATA_POINTS


def test_a_name_typo_within_the_threshold_matches() -> None:
    typo = normalize_name("Jose de la Crux")
    assert name_similarity(typo, "cruz de jose la") >= 90
    assert matched_points(Identity(name=typo), STORED) == ("name",)


def test_a_different_name_does_not_match() -> None:
    other = normalize_name("Joseph Delacroix")
    assert name_similarity(other, "cruz de jose la") < 90
    assert matched_points(Identity(name=other), STORED) == ()


def test_the_name_threshold_is_adjustable() -> None:
    claimed = Identity(name=normalize_name("Jose de la Crux"))
    assert matched_points(claimed, STORED, name_threshold=100.0) == ()
    assert matched_points(claimed, STORED, name_threshold=90.0) == ("name",)


def test_a_street_typo_within_the_threshold_matches_when_the_zip_is_equal() -> None:
    claimed = Identity(street=normalize_street("900 Concarr Drive Suite 2"), zip5="94403")
    assert matched_points(claimed, STORED) == ("street_zip",)


def test_name_similarity_ignores_word_order_and_scores_0_to_100() -> None:
    assert name_similarity("cruz de jose la", "jose la de cruz") == 100.0
    assert name_similarity("john smith", "jon smith") >= 90
    assert 0 <= name_similarity("john smith", "xyz") < 50
    assert name_similarity("", "") == 0.0


@pytest.mark.parametrize("field", ["email", "phone", "member_number", "name", "street", "zip5", "dob"])
def test_a_value_missing_on_either_side_never_matches(field: str) -> None:
    without = replace(STORED, **{field: None})
    point = "street_zip" if field in ("street", "zip5") else field
    assert point not in matched_points(without, STORED)
    assert point not in matched_points(STORED, without)
    assert point not in matched_points(without, without)
    assert len(matched_points(without, STORED)) == len(DATA_POINTS) - 1


def test_empty_strings_never_match() -> None:
    empty = Identity(email="", phone="", member_number="", name="", street="", zip5="")
    assert matched_points(empty, empty) == ()
    assert candidate_keys(empty) == {}


def test_matched_points_returns_field_names_never_values() -> None:
    result = matched_points(STORED, STORED)
    assert set(result) <= set(DATA_POINTS)
    values = {str(value) for value in vars(STORED).values()}
    assert not values & set(result)
    assert all(isinstance(point, str) for point in result)


def test_matched_points_accepts_non_ascii_values() -> None:
    claimed = Identity(email=normalize_email("josé@bücher.de"))
    assert matched_points(claimed, claimed) == ("email",)
    assert matched_points(claimed, Identity(email="jose@xn--bcher-kva.de")) == ()


def test_candidate_keys_are_the_present_exact_identifiers() -> None:
    assert candidate_keys(STORED) == {
        "email": "jose@example.com",
        "phone": "+14155550123",
        "member_number": "RN00012345",
    }
    assert candidate_keys(Identity(phone="+14155550123", name="x")) == {"phone": "+14155550123"}
    assert candidate_keys(Identity(name="cruz de jose la", dob=date(1990, 4, 2))) == {}


def test_identity_is_immutable() -> None:
    with pytest.raises(FrozenInstanceError):
        STORED.email = "other@example.com"  # type: ignore[misc]


def test_identity_repr_names_the_fields_present_without_their_values() -> None:
    text = repr(Identity(email="jose@example.com", dob=date(1990, 4, 2)))
    assert text == "Identity(<email, dob>)"
    assert "jose" not in repr(STORED) and "1990" not in repr(STORED)
