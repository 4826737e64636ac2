from datetime import date

import factory
from django.utils import timezone

from records.models import Consumer
from requests_app import deadlines
from requests_app.models import Kind, PrivacyRequest, Status, Submission
from verification.normalize import normalize_name, normalize_street


class ConsumerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consumer

    member_number = factory.Sequence(lambda n: f"RN{n + 50_000_000:08d}")
    first_name = "Maya"
    last_name = "Chen"
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    name_normalized = factory.LazyAttribute(lambda o: normalize_name(f"{o.first_name} {o.last_name}"))
    street = "123 Market Street"
    street_normalized = factory.LazyAttribute(lambda o: normalize_street(o.street))
    city = "San Francisco"
    state = "CA"
    zip5 = "94105"
    date_of_birth = date(1990, 4, 2)


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    first_name = "Maya"
    last_name = "Chen"
    email = factory.Sequence(lambda n: f"requester{n}@example.com")


class PrivacyRequestFactory(factory.django.DjangoModelFactory):
    """A request placed directly in a status (for tests of what happens next), stamped like intake does."""

    class Meta:
        model = PrivacyRequest

    submission = factory.SubFactory(SubmissionFactory)
    kind = Kind.KNOW_CATEGORIES
    status = Status.AWAITING_VERIFICATION
    received_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyAttribute(lambda o: o.received_at)
    ack_due = factory.LazyAttribute(lambda o: deadlines.ack_due(o.received_at))
    due_at = factory.LazyAttribute(lambda o: deadlines.response_due(o.received_at, o.kind))


def staff_member(username: str, role: str, *, password: str | None = None):
    """A staff user holding one role of staff/permissions.py (its group is created by a migration)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username, email=f"{username}@rakunest.example", password=password
    )
    user.groups.add(Group.objects.get(name=role))
    return user
