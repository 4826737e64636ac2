"""The daily deadline digest to each assignee (and, for unassigned work, to the admins)."""

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from requests_app import deadlines
from requests_app.emails import STAFF_LANGUAGE, email_send
from requests_app.models import CLOSED_STATUSES, PrivacyRequest

from .models import ReminderSent
from .permissions import Role

logger = logging.getLogger(__name__)
DUE_SOON_DAYS = 7


def reminder_items(*, today: date) -> dict[int | None, list[dict]]:
    """Open requests that need attention, grouped by assignee id (None = unassigned). One query."""
    soon = today + timedelta(days=DUE_SOON_DAYS)
    rows = (
        PrivacyRequest.objects.exclude(status__in=CLOSED_STATUSES)
        .annotate(effective=Coalesce(F("extended_due_at"), F("due_at")))
        .filter(Q(effective__lte=soon) | Q(submission__acknowledged_at__isnull=True, ack_due__lt=today))
        .values("reference", "kind", "assignee_id", "effective", "ack_due", "submission__acknowledged_at")
        .order_by("effective", "pk")
    )
    grouped: dict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        if row["effective"] < today:
            what, days = "overdue", (today - row["effective"]).days
        elif row["effective"] <= soon:
            what, days = "due_soon", (row["effective"] - today).days
        else:
            what, days = "ack_overdue", (today - row["ack_due"]).days
        ack_late = row["submission__acknowledged_at"] is None and row["ack_due"] < today
        grouped[row["assignee_id"]].append({**row, "what": what, "days": days, "ack_overdue": ack_late})
    return grouped


def reminders_send(*, today: date | None = None) -> int:
    """E-mail one digest per person per day; returns how many were sent by this call."""
    today = today or deadlines.local_date(timezone.now())
    grouped = reminder_items(today=today)
    if not grouped:
        return 0
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    recipients = {u.pk: (u, grouped[u.pk]) for u in users.filter(pk__in=[k for k in grouped if k])}
    unassigned = grouped.get(None, [])
    if unassigned:
        for admin in users.filter(groups__name=Role.ADMIN).distinct():
            own = recipients.get(admin.pk, (admin, []))[1]
            recipients[admin.pk] = (admin, own + [{**i, "unassigned": True} for i in unassigned])
    sent = 0
    for user, items in recipients.values():
        try:
            with transaction.atomic():
                ReminderSent.objects.create(user=user, day=today, request_count=len(items))
                _send_after_commit(user.email, user.get_username(), items, today)
        except IntegrityError:
            continue  # already sent today
        sent += 1
    logger.info("deadline reminders: %d digest(s) sent", sent)
    return sent


def _send_after_commit(to: str, username: str, items: list[dict], today: date) -> None:
    context = {
        "username": username,
        "today": today,
        "overdue": [i for i in items if i["what"] == "overdue"],
        "due_soon": [i for i in items if i["what"] == "due_soon"],
        "ack_overdue": [i for i in items if i["ack_overdue"]],
        "staff_url": settings.SITE_URL + "/staff/requests/",
    }
    email_send(template="staff_reminder", to=to, context=context, language=STAFF_LANGUAGE)
