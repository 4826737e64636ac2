"""Outgoing e-mail: every message has a text and an HTML part rendered from templates/emails/.

Rendered now, sent later: the message is written to the outbox in the caller's transaction and relayed
after commit (requests_app.outbox), so a rollback sends nothing and a crash after commit loses nothing.

Each message is rendered in the language of the request it is about (`Submission.language`, kept from
the page the request was made on), whoever triggers it: a worker, or a staff member browsing in English.
Messages to our own staff and to service providers are written in English (`language=STAFF_LANGUAGE`).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from requests_app.outbox.services import outbox_email

# Staff (reminders, failing systems, system owners) and service providers (business-to-business
# notices under our contracts) read English; only consumers and their agents get their own language.
STAFF_LANGUAGE = "en"


def email_language(language: str | None) -> str:
    """A language we have templates for; anything else (an old row, a typo) falls back to the default."""
    supported = {code for code, _ in settings.LANGUAGES}
    return language if language in supported else settings.LANGUAGE_CODE


def email_send(*, template: str, to: str, context: dict, language: str, key: str | None = None) -> None:
    with translation.override(email_language(language)):
        context = {"site_url": settings.SITE_URL, "contact_email": settings.PRIVACY_CONTACT_EMAIL, **context}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    outbox_email(key=key, to=to, template=template, subject=subject, text=text, html=html)
