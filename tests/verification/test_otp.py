import pytest
import time_machine
from django.utils import timezone

from verification.exceptions import VerificationError
from verification.models import OneTimeCode
from verification.otp import code_check, code_issue

pytestmark = pytest.mark.django_db


def test_a_fresh_code_works_once():
    code = code_issue(scope="verify:1:typed")
    assert code_check(scope="verify:1:typed", code=code)
    assert not code_check(scope="verify:1:typed", code=code)


def test_the_sixth_attempt_is_refused_even_with_the_right_code():
    code = code_issue(scope="verify:1:typed")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert not code_check(scope="verify:1:typed", code=wrong)
    assert not code_check(scope="verify:1:typed", code=code)
    assert OneTimeCode.objects.get().attempts == 5


def test_an_expired_code_is_refused():
    code = code_issue(scope="verify:1:typed")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=15, seconds=1)):
        assert not code_check(scope="verify:1:typed", code=code)


def test_a_code_for_one_request_does_not_work_on_another():
    code = code_issue(scope="verify:1:typed")
    code_issue(scope="verify:2:typed")
    assert not code_check(scope="verify:2:typed", code=code)
    assert not code_check(scope="verify:1:contact", code=code)
    assert code_check(scope="verify:1:typed", code=code)


def test_a_new_code_retires_the_previous_one():
    first = code_issue(scope="verify:1:typed")
    second = code_issue(scope="verify:1:typed")
    if first != second:
        assert not code_check(scope="verify:1:typed", code=first)
    assert code_check(scope="verify:1:typed", code=second)


def test_codes_to_one_address_are_rate_limited_across_requests(settings):
    settings.OTP_ISSUE_PER_ADDRESS_PER_HOUR = 3
    for n in range(3):
        code_issue(scope=f"verify:{n}:typed", address="maya.chen@example.com")
    with pytest.raises(VerificationError) as refused:
        code_issue(scope="verify:9:typed", address="maya.chen@example.com")
    assert refused.value.code == "rate_limited"
    assert "maya" not in str(refused.value)
    code_issue(scope="verify:9:typed", address="someone.else@example.com")


def test_codes_for_one_request_are_rate_limited_whatever_the_address(settings):
    settings.OTP_ISSUE_PER_SCOPE_PER_HOUR = 2
    code_issue(scope="verify:1:typed", address="a@example.com")
    code_issue(scope="verify:1:typed", address="b@example.com")
    with pytest.raises(VerificationError):
        code_issue(scope="verify:1:typed", address="c@example.com")


def test_checks_from_one_ip_are_rate_limited_across_requests(settings):
    settings.OTP_CHECKS_PER_IP_PER_15_MIN = 4
    codes = [code_issue(scope=f"verify:{n}:typed") for n in range(5)]
    for n in range(4):
        code_check(scope=f"verify:{n}:typed", code="000000", ip="203.0.113.9")
    with pytest.raises(VerificationError) as refused:
        code_check(scope="verify:4:typed", code=codes[4], ip="203.0.113.9")
    assert refused.value.code == "rate_limited"
    # The refused check spent no attempt: the code still works from elsewhere.
    assert code_check(scope="verify:4:typed", code=codes[4], ip="198.51.100.7")
