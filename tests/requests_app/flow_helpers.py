"""Drive a submission through verification at the service level, as the pages do."""

from __future__ import annotations

import re
from contextlib import nullcontext
from datetime import date

from records.models import DataPoint, DataPointType, Source, System
from requests_app.intake.services import privacy_request_submit
from requests_app.models import Submission, VerificationState
from requests_app.requester import RequesterDetails
from requests_app.verify import services as flow
from tests.factories import ConsumerFactory

IP = "203.0.113.9"

MAYA = {
    "first_name": "Maya",
    "last_name": "Chen",
    "email": "maya.chen@example.com",
    "phone": "+14155550101",
    "street": "123 Market Street",
    "city": "San Francisco",
    "state": "CA",
    "zip5": "94105",
    "date_of_birth": date(1990, 4, 2),
    "member_number": "RN00000001",
}


def maya_consumer(*, sensitive: bool = False, **overrides):
    fields = {
        k: MAYA[k]
        for k in (
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "zip5",
            "date_of_birth",
            "member_number",
        )
    }
    consumer = ConsumerFactory(**{**fields, **overrides})
    if sensitive:
        DataPoint.objects.create(
            consumer=consumer,
            system=System.objects.get(code="member_accounts"),
            point_type=DataPointType.objects.get(code="passport_number"),
            source=Source.objects.get(code="direct"),
            value="X12345678",
            collected_at=consumer.created_at,
        )
    return consumer


def code_sent_to(outbox, address: str) -> str:
    message = [m for m in outbox if m.to == [address]][-1]
    return re.search(r"^\s+(\d{6})\s*$", message.body, re.MULTILINE).group(1)


class Driver:
    def __init__(self, outbox, capture) -> None:
        self.outbox = outbox
        self.capture = capture  # django_capture_on_commit_callbacks, or None under transactional_db

    def _commit(self):
        return self.capture(execute=True) if self.capture else nullcontext()

    def submit(self, kinds: list[str], **typed) -> Submission:
        with self._commit():
            requests = privacy_request_submit(kinds=kinds, requester=RequesterDetails(**typed), ip=IP)
        return requests[0].submission

    def prove_typed(self, submission: Submission) -> VerificationState:
        code = code_sent_to(self.outbox, submission.email)
        with self._commit():
            return flow.verification_typed_code_check(submission_id=submission.pk, code=code, ip=IP)

    def sign(self, submission: Submission, name: str | None = None) -> VerificationState:
        name = name or f"{submission.first_name} {submission.last_name}"
        with self._commit():
            return flow.verification_declaration_sign(
                submission_id=submission.pk, signed_name=name, ip=IP, user_agent="pytest"
            )

    def skip_declaration(self, submission: Submission) -> VerificationState:
        with self._commit():
            return flow.verification_declaration_skip(submission_id=submission.pk)

    def prove_contact(self, submission: Submission, address: str) -> VerificationState:
        code = code_sent_to(self.outbox, address)
        with self._commit():
            return flow.verification_contact_code_check(submission_id=submission.pk, code=code, ip=IP)

    def run(self, kinds, *, declare: bool = True, **typed) -> Submission:
        """Submit and go through every step the requester can complete with the typed address."""
        submission = self.submit(kinds, **typed)
        state = self.prove_typed(submission)
        if state.step == VerificationState.Step.DECLARATION:
            state = self.sign(submission) if declare else self.skip_declaration(submission)
        submission.refresh_from_db()
        return submission
