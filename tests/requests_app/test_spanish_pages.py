"""Spanish public pages (issue 14 part 1): the browser's Accept-Language or the switcher picks the
language, the request keeps it, and staff pages stay English."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from requests_app.models import Submission
from tests.factories import PrivacyRequestFactory
from verification.uploads import UploadRejected, sanitize_upload

pytestmark = pytest.mark.django_db

FORM_URL = reverse("requests_app:request_new")
LOOKUP = reverse("requests_app:status_lookup")
CODE = reverse("requests_app:status_code")
SWITCH = reverse("set_language")
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}
SPANISH_DATE = re.compile(
    r"\b\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}\b"
)


def test_a_browser_asking_for_spanish_gets_the_form_in_spanish(client):
    response = client.get(FORM_URL, **SPANISH)
    body = response.content.decode()
    assert response["Content-Language"] == "es"
    assert '<html lang="es">' in body
    assert "Hacer una solicitud de privacidad" in body
    assert "No vender ni compartir mi información personal" in body
    assert "Make a privacy request" not in body


def test_without_spanish_in_accept_language_the_page_stays_english(client):
    body = client.get(FORM_URL, HTTP_ACCEPT_LANGUAGE="fr-FR,de;q=0.8").content.decode()
    assert '<html lang="en">' in body
    assert "Make a privacy request" in body


def test_form_errors_come_in_spanish_with_a_plural_count(client, valid_form_data):
    data = {**valid_form_data, "first_name": "", "email": "maya.chen-at-example.com"}
    body = client.post(FORM_URL, data, **SPANISH).content.decode()
    assert "Corrija 2 problemas:" in body
    assert "Ingrese su nombre." in body
    assert "Ingrese una dirección de correo electrónico válida, por ejemplo nombre@example.com." in body
    assert not Submission.objects.exists()


def test_a_spanish_submission_records_its_language_and_confirms_in_spanish(
    client, valid_form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM_URL, valid_form_data, follow=True, **SPANISH)
    assert Submission.objects.get().language == "es"
    body = response.content.decode()
    assert "Recibimos su solicitud" in body
    assert "Guarde sus referencias." in body  # two kinds: the plural form


def test_the_switcher_sets_the_language_and_returns_to_the_same_page(client):
    page = client.get(LOOKUP).content.decode()
    assert f'name="next" value="{LOOKUP}"' in page
    assert '<option value="es" lang="es">Español</option>' in page

    response = client.post(SWITCH, {"language": "es", "next": LOOKUP})
    assert response.status_code == 302 and response["Location"] == LOOKUP
    assert client.cookies["django_language"].value == "es"
    body = client.get(LOOKUP).content.decode()  # the cookie wins over the browser's English
    assert "Consultar una solicitud" in body and '<html lang="es">' in body
    # Each language is named in its own language, whichever is active.
    assert '<option value="en" lang="en">English</option>' in body
    assert '<option value="es" lang="es" selected>Español</option>' in body

    client.post(SWITCH, {"language": "en", "next": LOOKUP}, **SPANISH)
    assert "Check on a request" in client.get(LOOKUP, **SPANISH).content.decode()


def test_the_switcher_refuses_a_post_from_another_site(client):
    response = client.post(SWITCH, {"language": "es", "next": "/"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    response = client.post(SWITCH, {"language": "es", "next": "/"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "django_language" not in client.cookies


def test_the_switcher_never_redirects_off_the_site(client):
    response = client.post(SWITCH, {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_status_page_opened_from_an_email_link_renders_in_spanish(client, outbox):
    privacy_request = PrivacyRequestFactory(submission__email="maya.chen@example.com")
    client.get(LOOKUP + "?step=report", **SPANISH)  # the link in an e-mail
    client.post(LOOKUP, {"reference": privacy_request.reference, "email": "maya.chen@example.com"}, **SPANISH)
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    client.post(CODE, {"code": code}, **SPANISH)

    response = client.get(reverse("requests_app:status_view"), **SPANISH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Cronología" in body
    assert "Puede continuar durante los próximos 15 minutos sin un código nuevo." in body
    assert SPANISH_DATE.search(body)  # "We answer by", as a Spanish date
    assert "Recibida" in body or "En espera de la verificación de identidad" in body


def test_the_gpc_banner_is_in_spanish(client):
    body = client.get(reverse("requests_app:home"), HTTP_SEC_GPC="1", **SPANISH).content.decode()
    assert "Solicitud de exclusión respetada" in body


@pytest.mark.parametrize("path", ["/staff/login/", "/admin/login/"])
def test_staff_pages_stay_english_whatever_the_browser_asks(client, path):
    client.cookies["django_language"] = "es"
    response = client.get(path, follow=True, **SPANISH)
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Staff sign-in" in body
    assert "Idioma" not in body


def test_a_staff_form_error_stays_english(client):
    body = client.post(
        "/staff/login/", {"username": "nobody", "password": "wrong"}, **SPANISH
    ).content.decode()
    assert "Please enter a correct username and password" in body


@pytest.mark.parametrize(
    ("name", "data", "spanish"),
    [
        ("permission.pdf", b"", "El archivo está vacío. Cargue un archivo PDF, JPEG o PNG"),
        ("permission.exe", b"MZ", "No se acepta este tipo de archivo."),
        ("permission.png", b"%PDF-1.4\n", "indica que es un PNG, pero en realidad es un PDF"),
    ],
)
def test_a_refused_upload_says_why_in_spanish(name, data, spanish):
    with translation.override("es"), pytest.raises(UploadRejected) as refused:
        sanitize_upload(name=name, stream=io.BytesIO(data))
    assert spanish in refused.value.message


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("home", "Sus derechos de privacidad en RakuNest"),
        ("verify", "Confirme su identidad"),  # linked from the code e-mail
        ("deletion_confirm", "Confirmar su eliminación"),  # linked from the deletion e-mail
        ("confirm_open", "Confirmar una solicitud hecha en su nombre"),  # the agent-confirmation e-mail
        ("confirm_resend", "Pedir un código nuevo"),
        ("agent_status_lookup", "Consultar una solicitud como agente"),
        ("do_not_sell", "No vender ni compartir mi información personal"),
    ],
)
def test_pages_opened_from_an_email_link_render_in_spanish(client, name, heading):
    response = client.get(reverse(f"requests_app:{name}"), **SPANISH)
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in body
    assert f"<h1>{heading}</h1>" in body
