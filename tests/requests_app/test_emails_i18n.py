"""Every e-mail in templates/emails/, rendered through `email_send` in English and in Spanish.

The templates are found by listing the folder, so a new one fails here until it has a realistic context
below and a Spanish phrase it must hold (or is listed as English-only, with the reason)."""

import functools
import gettext
import html
import re
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail

from records.models import DataCategory, DataPointType, System
from requests_app.emails import email_send
from requests_app.models import AgentAuthorization, Kind, PrivacyRequest, Status, Submission
from requests_app.regimes import regime_rules
from staff.models import DenialReasonTemplate
from staff.seed import REASON_TEMPLATES

pytestmark = pytest.mark.django_db

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
TEMPLATES = sorted(p.name.removesuffix("_subject.txt") for p in EMAILS.glob("*_subject.txt"))
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.mo"

# Written for our own staff or for service providers (business to business): English in every language.
ENGLISH_ONLY = {"processor_notice", "staff_reminder", "system_failing", "system_owner_task"}

# A phrase each Spanish e-mail must hold, in its text and in its HTML part.
SPANISH = {
    "acknowledgement": "Recibimos sus solicitudes de privacidad el 3 de diciembre de 2026",
    "agent_acknowledgement": "como agente autorizado el 3 de diciembre de 2026",
    "agent_confirmation": "le pidió a RakuNest, como su agente autorizado",
    "appeal_decision": "revocamos nuestra decisión",
    "appeal_received": "recibimos su apelación",
    "choice_response": "en 2025, y quiénes son esos terceros",
    "correction_completed": "Corregimos la información que nos pidió corregir",
    "correction_contact_changed": "cambiamos la dirección de correo electrónico",
    "correction_contact_confirm": "confirme el cambio con este código",
    "correction_denied": "no podemos hacer la corrección",
    "correction_invite": "Indíquenos qué está mal",
    "deletion_completed": "La ley nos obliga a conservar estos registros",
    "deletion_confirm": "tiene 24 horas para cambiar de opinión",
    "deletion_not_confirmed": "Cerramos la solicitud y no eliminamos nada",
    "deletion_unverifiable": "No pudimos verificar su identidad",
    "report_code": "Su código para descargar el informe",
    "report_ready": "está listo",
    "staff_denial": "No pudimos verificar su identidad",
    "staff_extension": "Necesitamos más tiempo",
    "staff_info_request": "necesitamos algo de usted",
    "status_code": "Su código para abrir la solicitud",
    "verification_code": "Para confirmar sus solicitudes de privacidad",
    "verification_contact_code": "Si fue usted, ingrese este código",
    "verification_result": "Este es el estado de sus solicitudes",
}

PACIFIC = ZoneInfo("America/Los_Angeles")
# Words only one part has, because of its layout: a table heading where the text has a list ("We answer
# by" / "we will answer by", "Third party"), a linked phrase where the text gives the address ("Do Not Sell
# or Share…", "Open your request" / "Open <address>, enter…").
LAYOUT_WORDS = {
    "acknowledgement": {"will"},
    "choice_response": {"party", "tercero"},
    "deletion_unverifiable": {"vender", "compartir"},
    "staff_denial": {"enter", "ingrese"},
}


def _requests(submission: Submission) -> list[PrivacyRequest]:
    due = date(2027, 1, 19)
    return [
        PrivacyRequest(
            submission=submission, reference="RN-2345-6789-ABCD", kind=Kind.KNOW_CATEGORIES, due_at=due
        ),
        PrivacyRequest(submission=submission, reference="RN-2345-6789-EFGH", kind=Kind.DELETE, due_at=due),
    ]


def _context(template: str) -> dict:
    """A context shaped like the one the sending service builds (unsaved model rows, no personal data
    beyond the demo persona)."""
    submission = Submission(first_name="Maya", email="maya.chen@example.com", state="CA")
    submission.created_at = datetime(2026, 12, 3, 10, 30, tzinfo=PACIFIC)
    requests = _requests(submission)
    request = requests[0]
    request.status = Status.DENIED
    request.extended_due_at = date(2027, 3, 5)
    authorization = AgentAuthorization(
        submission=submission,
        agent_name="Ana Ruiz",
        agent_organisation="Derechos Digitales LLC",
        document_type=AgentAuthorization.DocumentType.PERMISSION,
    )
    category = DataCategory(code="identifiers", name="Identifiers")
    item = SimpleNamespace(
        # Data-map names are shown as the admin wrote them (English); this one is not also a msgid of the
        # pages (as "Phone number" is), so that the check for English msgids left in the e-mail holds.
        point_type=DataPointType(code="phone", name="Mobile phone on file", category=category),
        system=System(code="member_accounts", name="Member accounts"),
    )
    status_url = "https://privacy.rakunest.example/requests/status/"
    reason = DenialReasonTemplate(**{k: v for k, v in REASON_TEMPLATES[0].items()})
    appeal = SimpleNamespace(
        decision="reversed",
        reopened_request=requests[1],
        submitted_at=datetime(2026, 12, 3, 9, 0, tzinfo=PACIFIC),
        due_at=date(2027, 2, 1),
    )
    system = {"name": "Co-working management", "action": "delete", "deleted": 12, "deidentified": 0}
    return {
        "acknowledgement": {"submission": submission, "requests": requests},
        "agent_acknowledgement": {"authorization": authorization, "submission": submission, "requests": requests},
        "agent_confirmation": {
            "authorization": authorization, "first_name": "Maya", "reference": request.reference,
            "requests": requests, "code": "482913", "days": 14,
        },
        "appeal_decision": {
            "privacy_request": request, "appeal": appeal, "text": "We matched your details again.",
            "attorneys_general": [("California", "Attorney General", "https://oag.ca.gov/privacy")],
            "status_url": status_url,
        },
        "appeal_received": {"privacy_request": request, "appeal": appeal, "status_url": status_url},
        "choice_response": {
            "request": PrivacyRequest(reference="RN-2345-6789-STLT", kind=Kind.SHINE_THE_LIGHT),
            "denied": False,
            "data": {"year": 2025, "disclosures": [
                {"name": "RakuNest Partner Network", "postal_address": "", "categories": ["Identifiers"]},
            ]},
        },
        "correction_completed": {
            "reference": request.reference, "items": [item], "flagged": [item], "reset_link_types": {"account_password"},
            "systems_corrected": ["Co-working management"], "systems_skipped": ["Visitor log"],
        },
        "correction_contact_changed": {"reference": request.reference, "fields": ["email"]},
        "correction_contact_confirm": {"reference": request.reference, "code": "482913", "minutes": 15},
        "correction_denied": {
            "first_name": "Maya", "reference": request.reference, "basis": "The documents do not show the change.",
            "items": [item], "health_statement": True, "max_words": 250, "status_url": status_url,
        },
        "correction_invite": {"reference": request.reference, "status_url": status_url},
        "deletion_completed": {
            "reference": request.reference,
            "deleted": [system, {"name": "Visitor log", "nothing": True}],
            "retained": [{"name": "Invoices", "retained": 3, "explanation": "The law requires us to keep these records"}],
            "not_reached": [{"name": "Visitor log", "explanation": "Skipped."}],
            "nothing_held": False,
            "notified": ["Mailing partner"],
        },
        "deletion_confirm": {
            "reference": request.reference, "code": "482913", "minutes": 15,
            "confirm_url": "https://privacy.rakunest.example/requests/delete/confirm/",
            "window_hours": 24.0, "confirm_days": 14,
        },
        "deletion_not_confirmed": {"reference": request.reference, "days": 14},
        "deletion_unverifiable": {
            "reference": request.reference, "opt_out_url": "https://privacy.rakunest.example/do-not-sell/",
        },
        "processor_notice": {
            "recipient": SimpleNamespace(name="Mailing partner"), "reminder": 0,
            "payload": {
                "action": "delete", "notice_id": "N-1", "request_reference": request.reference,
                "categories": ["Identifiers"], "subject": {"identifiers": {"email": "ab12"}}, "changes": [],
            },
        },
        "report_code": {"code": "482913", "minutes": 15, "reference": request.reference},
        "report_ready": {"reference": request.reference, "ttl_days": 30, "access_minutes": 20},
        "staff_denial": {
            "privacy_request": request, "text": "", "reason": reason, "offer_opt_out": True,
            "opt_out_url": "https://privacy.rakunest.example/do-not-sell/", "status_url": status_url,
            "appeal_by": date(2027, 1, 30), "regime": regime_rules("CA"), "appeal_days": 45,
        },
        "staff_extension": {"privacy_request": request, "text": "Our systems need more time.", "status_url": status_url},
        "staff_info_request": {"privacy_request": request, "text": "Which membership?", "status_url": status_url},
        "staff_reminder": {
            "username": "analyst", "today": date(2026, 12, 3), "overdue": [], "ack_overdue": [],
            "due_soon": [{"reference": request.reference, "kind": "delete", "effective": date(2026, 12, 8),
                          "days": 5, "unassigned": True}],
            "staff_url": "https://privacy.rakunest.example/staff/requests/",
        },
        "status_code": {"code": "482913", "minutes": 15, "reference": request.reference},
        "system_failing": {
            "reference": request.reference, "system": "Co-working management", "step": "export", "attempts": 3,
            "max_attempts": 6, "error": "timeout", "configuration": False, "since": None,
            "staff_url": "https://privacy.rakunest.example/staff/requests/x/",
        },
        "system_owner_task": {
            "system": "Visitor log", "reference": request.reference, "step": "export",
            "link": "https://privacy.rakunest.example/systems/task/t/", "expires_at": date(2026, 12, 10), "reminder": 0,
        },
        "verification_code": {
            "code": "482913", "minutes": 15, "requests": requests,
            "references": ", ".join(r.reference for r in requests),
            "verify_url": "https://privacy.rakunest.example/requests/verify/",
        },
        "verification_contact_code": {
            "code": "482913", "minutes": 15, "requests": requests,
            "references": ", ".join(r.reference for r in requests),
        },
        "verification_result": {
            "first_name": "Maya",
            # As verify.services builds them, under the request's language: lazy labels here.
            "rows": [{"reference": r.reference, "kind": Kind(r.kind).label, "status": Status.IN_REVIEW.label,
                      "text": ""} for r in requests],
        },
    }[template]  # fmt: skip


def _render(template: str, language: str) -> dict:
    """The message as sent (through the outbox, relayed at once under the unit-test settings)."""
    sent = len(mail.outbox)
    email_send(template=template, to="maya.chen@example.com", context=_context(template), language=language)
    [message] = mail.outbox[sent:]
    [(html_part, _mime)] = message.alternatives
    return {"subject": message.subject, "text": message.body, "html": html_part}


def _visible(message: dict) -> dict[str, str]:
    """Subject, text and the HTML's visible text, whitespace collapsed, entities decoded."""
    body = re.sub(r"<[^>]+>", " ", message["html"])
    return {
        "subject": " ".join(message["subject"].split()),
        "text": " ".join(message["text"].split()),
        "html": " ".join(html.unescape(body).split()),
    }


@functools.cache
def _catalogue() -> dict[str, str]:
    with CATALOGUE.open("rb") as f:
        entries = gettext.GNUTranslations(f)._catalog  # msgid -> msgstr, plural msgids as (msgid, n)
    return {k if isinstance(k, str) else k[0]: v for k, v in entries.items() if k and v}


def _fragments(msgid: str) -> list[str]:
    """The literal stretches of a msgid between its placeholders and markup, long enough to be telling."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", msgid))
    return [
        " ".join(p.split()) for p in re.split(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}", text) if len(p.strip()) >= 12
    ]


def test_every_template_has_a_context_and_a_spanish_phrase_or_is_english_only_on_purpose():
    assert len(TEMPLATES) >= 28
    for template in TEMPLATES:
        assert (EMAILS / f"{template}.txt").exists() and (EMAILS / f"{template}.html").exists(), template
        assert template in SPANISH or template in ENGLISH_ONLY, (
            f"{template}: add it to SPANISH or ENGLISH_ONLY"
        )
        assert _context(template)


@pytest.mark.parametrize("template", sorted(SPANISH))
def test_each_email_is_translated_in_spanish_in_its_subject_text_and_html(template):
    english, spanish = _visible(_render(template, "en")), _visible(_render(template, "es"))
    for part in ("subject", "text", "html"):
        assert spanish[part] != english[part], f"{template} {part} reads the same in Spanish"
    assert SPANISH[template] in spanish["text"], spanish["text"]
    assert SPANISH[template] in spanish["html"], spanish["html"]
    assert "Equipo de Privacidad de RakuNest" in spanish["text"] + spanish["html"] or template.endswith(
        "_code"
    )
    # No catalogue string that the English version shows is left in English in the Spanish version.
    catalogue = _catalogue()
    left = {
        fragment
        for msgid, msgstr in catalogue.items()
        if msgstr != msgid
        for fragment in _fragments(msgid)
        if fragment not in _fragments(msgstr)
        for part in ("subject", "text", "html")
        if fragment in english[part] and fragment in spanish[part]
    }
    assert not left, f"{template}: still in English: {sorted(left)}"


def _words(text: str) -> set[str]:
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # addresses and links are shown differently
    return {w.lower() for w in re.findall(r"[^\W\d_]{4,}", text)}


@pytest.mark.parametrize("template", sorted(SPANISH))
def test_the_html_and_text_parts_say_the_same_in_each_language(template):
    """The words of one part are the words of the other: the same sentences, only the layout (and the
    wording of a link: "at <address>" / a linked phrase) differs."""
    for language in ("en", "es"):
        parts = _visible(_render(template, language))
        text, body = _words(parts["text"]), _words(parts["html"])
        layout = LAYOUT_WORDS.get(template, set())
        assert text - body <= layout and body - text <= layout, (
            language,
            sorted(text - body),
            sorted(body - text),
        )
        assert len(text) >= 8


@pytest.mark.parametrize("template", sorted(ENGLISH_ONLY))
def test_staff_and_business_to_business_emails_stay_english(template):
    """Not marked for translation, and sent with language=STAFF_LANGUAGE by their one caller."""
    for suffix in (".txt", ".html", "_subject.txt"):
        source = (EMAILS / f"{template}{suffix}").read_text()
        assert "Not translated on purpose" in source and "translate" not in source.replace(
            "Not translated", ""
        )
    callers = [
        path.read_text()
        for path in Path(settings.BASE_DIR).glob("*/**/*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and f'template="{template}"' in path.read_text()
    ]
    assert callers and all(
        re.search(rf'template="{template}",.{{0,400}}?language=STAFF_LANGUAGE', c, re.S) for c in callers
    ), template
    english = _render(template, "en")
    assert "Hello" in english["text"] or "To " in english["text"] or "has not answered" in english["text"]


def test_an_unknown_language_falls_back_to_english():
    assert _render("status_code", "xx")["subject"] == "Your RakuNest privacy code"
    assert _render("status_code", "es")["subject"] == "Su código de privacidad de RakuNest"
