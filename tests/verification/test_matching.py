from datetime import date

import pytest
from django.utils import timezone

from tests.factories import ConsumerFactory
from verification.matching import consumer_match
from verification.normalize import normalize_email, normalize_name, normalize_street
from verification.scoring import Identity

pytestmark = pytest.mark.django_db


def _maya(**overrides) -> Identity:
    values = {
        "email": "maya.chen@example.com",
        "phone": "+14155550101",
        "member_number": "RN00000001",
        "name": normalize_name("Maya Chen"),
        "street": normalize_street("123 Market Street"),
        "zip5": "94105",
        "dob": date(1990, 4, 2),
    }
    return Identity(**{**values, **overrides})


@pytest.fixture
def maya():
    return ConsumerFactory(email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001")


def test_a_full_claim_matches_every_data_point(maya):
    result = consumer_match(claimed=_maya())
    assert result.outcome == "matched" and result.consumer_id == maya.pk
    assert result.points == ("email", "phone", "member_number", "name", "street_zip", "dob")


def test_the_points_are_only_those_that_match(maya):
    result = consumer_match(claimed=_maya(phone="+14155559999", dob=date(1991, 1, 1), member_number=None))
    assert result.points == ("email", "name", "street_zip")


def test_a_close_spelling_of_the_name_passes_the_threshold_and_a_different_name_does_not(maya):
    assert "name" in consumer_match(claimed=_maya(name=normalize_name("Maya Chenn"))).points
    assert "name" not in consumer_match(claimed=_maya(name=normalize_name("Mara Chu"))).points
    assert "name" in consumer_match(claimed=_maya(name=normalize_name("Mara Chu")), name_threshold=50).points


def test_without_an_exact_key_nothing_is_looked_up(maya, django_assert_num_queries):
    claimed = Identity(
        name=maya.name_normalized, street=maya.street_normalized, zip5="94105", dob=maya.date_of_birth
    )
    with django_assert_num_queries(0):
        assert consumer_match(claimed=claimed).outcome == "none"


def test_candidates_come_from_one_query(maya, django_assert_num_queries):
    ConsumerFactory.create_batch(3)
    with django_assert_num_queries(1):
        consumer_match(claimed=_maya())


def test_one_matching_point_is_below_the_bar(maya):
    result = consumer_match(claimed=Identity(email="maya.chen@example.com", name=normalize_name("Zed Quinn")))
    assert result.outcome == "none" and result.consumer_id is None and result.points == ()


def test_a_look_alike_unicode_email_does_not_match(maya):
    lookalike = normalize_email("m\u0430ya.chen@example.com")  # Cyrillic 'а'
    assert lookalike != "maya.chen@example.com"
    result = consumer_match(claimed=Identity(email=lookalike, name=normalize_name("Maya Chen")))
    assert result.outcome == "none"


def test_two_records_sharing_phone_name_and_address_are_ambiguous():
    first = ConsumerFactory(
        first_name="Jordan", last_name="Kim", phone="+14155550104", email="jordan.kim@example.com"
    )
    second = ConsumerFactory(
        first_name="Jordan", last_name="Kim", phone="+14155550104", email="jkim.family@example.com"
    )
    claimed = Identity(
        email="jordan.kim@example.com",
        phone="+14155550104",
        name=normalize_name("Jordan Kim"),
        street=normalize_street("123 Market Street"),
        zip5="94105",
    )
    result = consumer_match(claimed=claimed)
    assert result.outcome == "ambiguous"
    assert result.consumer_id is None
    assert result.candidate_ids == tuple(sorted([first.pk, second.pk]))


def test_a_second_record_below_the_bar_does_not_make_it_ambiguous(maya):
    ConsumerFactory(
        first_name="Lee",
        last_name="Park",
        phone="+14155550101",
        street="9 Elm Court",
        zip5="94301",
        date_of_birth=None,
    )
    assert consumer_match(claimed=_maya()).outcome == "matched"


def test_erased_consumers_are_not_candidates(maya):
    maya.erased_at = timezone.now()
    maya.save()
    assert consumer_match(claimed=_maya()).outcome == "none"


def test_the_result_holds_field_names_never_values(maya):
    result = consumer_match(claimed=_maya())
    assert "maya" not in repr(result).lower()
