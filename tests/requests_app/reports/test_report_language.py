"""The access report in the language of the request: the PDF's headings and sentences (read back from the
PDF with pypdf), its `<html lang>`, and JSON/CSV copies whose keys and columns stay English."""

import csv
import io
import json

import pytest

from requests_app.models import Kind
from requests_app.reports.compile import disclosure_compile
from requests_app.reports.render import report_html
from tests.requests_app.reports.test_reports import access_request, attachment, fulfil, pdf_of, text_of

pytestmark = pytest.mark.django_db

SPANISH_HEADINGS = [
    "Su informe de información personal",
    "Contenido",
    "1. Acerca de este informe",
    "2. Categorías de información que recopilamos",
    "3. De dónde proviene la información",
    "4. Por qué la recopilamos",
    "5. A quién la divulgamos",
    "6. Información vendida o compartida",
    "7. Información divulgada con un fin comercial",
    "8. Información que tenemos pero no divulgamos",
    "9. Los datos específicos que tenemos",
    "10. Cuánto tiempo la conservamos",
    "11. Sus otros derechos y cómo comunicarse con nosotros",
    "12. Los archivos adjuntos a este informe",
]


def _spanish_request(kind=Kind.ACCESS_SPECIFIC):
    request = access_request(kind=kind)
    request.submission.language = "es"
    request.submission.save(update_fields=["language"])
    return request


def test_a_report_for_a_spanish_request_reads_in_spanish(django_capture_on_commit_callbacks, outbox):
    request = _spanish_request()
    report = fulfil(request, django_capture_on_commit_callbacks)
    reader = pdf_of(report)
    text = " ".join(text_of(reader).split())

    for heading in SPANISH_HEADINGS:
        assert heading in text
    assert "About this report" not in text and "How long we keep it" not in text
    assert "Obtener una copia de los datos específicos (portátil)" in text  # the kind's label
    assert "1 de enero de 2022" in text and "January 1, 2022" not in text  # dates per locale
    assert f"Página 2 de {report.pages}" in text
    assert "Tenemos este dato (passport number), pero no divulgamos su valor" in text
    assert "[Retenido por ley: vea la sección 8]" in text
    assert "X12345678" not in text  # still withheld, whatever the language

    document = json.loads(attachment(reader, ".json"))
    assert set(document) >= {"report", "categories_collected", "sources", "withheld_types", "retention"}
    assert document["report"]["language"] == "es"
    assert document["report"]["request_kind"] == "access_specific"  # machine values stay codes
    assert document["withheld_types"][0]["statement"].startswith("Tenemos este dato")
    assert document["retention"]["statement"].startswith("Conservamos la información personal")
    rows = list(csv.DictReader(io.StringIO(attachment(reader, ".csv").decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "system", "category", "type", "source", "collected_at", "value", "withheld", "shared_with",
        "period_from", "period_to",
    ]  # fmt: skip
    assert {r["withheld"] for r in rows} == {"yes", "no"}
    # The e-mail that says it is ready, from the worker, is in Spanish too.
    assert outbox[-1].subject == "Su informe de privacidad de RakuNest está listo"


def test_the_report_html_declares_its_language_and_english_stays_english():
    spanish = _spanish_request(kind=Kind.KNOW_CATEGORIES)
    html = report_html(disclosure_compile(request=spanish), base_name="x")
    assert '<html lang="es">' in html and "Acerca de este informe" in html
    english = access_request(kind=Kind.KNOW_CATEGORIES)
    html = report_html(disclosure_compile(request=english), base_name="x")
    assert '<html lang="en">' in html and "About this report" in html and "Acerca" not in html
    # A language may be forced (e.g. a re-render for staff), whatever the request's.
    assert '<html lang="en">' in report_html(
        disclosure_compile(request=spanish, language="en"), base_name="x"
    )
