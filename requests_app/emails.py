"""Outgoing e-mail: every message has a text and an HTML part rendered from templates/emails/.

Rendered now, sent later: the message is written to the outbox in the caller's transaction and relayed
after commit (requests_app.outbox), so a rollback sends nothing and a crash after commit loses nothing.
"""

from django.conf import settings
from django.template.loader import render_to_string

from requests_app.outbox.services import outbox_email


def email_send(*, template: str, to: str, context: dict, key: str | None = None) -> None:
    context = {"site_url": settings.SITE_URL, "contact_email": settings.PRIVACY_CONTACT_EMAIL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    outbox_email(
        key=key,
        to=to,
        template=template,
        subject=subject,
        text=render_to_string(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
    )
