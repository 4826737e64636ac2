import pytest
from django.core.management import call_command

from records.models import Consumer, DataPoint
from verification.matching import consumer_match
from verification.scoring import Identity

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_readme_persons_and_random_consumers_with_records():
    call_command("seed_demo", consumers=300, points=3, no_progress=True)

    assert Consumer.objects.count() == 5 + 300
    maya = Consumer.objects.get(member_number="RN00000001")
    assert (maya.email, maya.phone, maya.zip5) == ("maya.chen@example.com", "+14155550101", "94105")
    assert maya.name_normalized == "chen maya"
    assert maya.data_points.filter(point_type__code="passport_number").exists()
    random_people = Consumer.objects.filter(member_number__gte="RN00001000")
    assert random_people.count() == 300
    assert DataPoint.objects.filter(consumer__in=random_people).count() == 300 * 3
    assert len(set(random_people.values_list("email", flat=True))) == 300


def test_seeded_demo_persons_can_be_found_by_matching():
    call_command("seed_demo", consumers=0, no_progress=True)
    result = consumer_match(claimed=Identity(email="maya.chen@example.com", name="chen maya", zip5="94105"))
    assert result.outcome == "matched"
    ambiguous = consumer_match(claimed=Identity(phone="+14155550104", name="jordan kim", zip5="94025"))
    assert ambiguous.outcome == "ambiguous"


def test_seed_demo_if_empty_adds_nothing_the_second_time():
    call_command("seed_demo", consumers=10, no_progress=True)
    call_command("seed_demo", consumers=10, no_progress=True, if_empty=True)
    assert Consumer.objects.count() == 15


def test_running_seed_demo_again_adds_new_random_consumers_without_clashes():
    call_command("seed_demo", consumers=10, no_progress=True)
    call_command("seed_demo", consumers=10, no_progress=True)
    assert Consumer.objects.count() == 25
