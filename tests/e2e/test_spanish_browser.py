import pytest
from playwright.sync_api import Browser, expect

from requests_app.models import PrivacyRequest, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_switches_to_spanish_and_makes_a_request_in_spanish(browser: Browser, live_server):
    """Issue 14: the switcher (no JavaScript needed) keeps the page, errors and the confirmation come in
    Spanish, the request keeps the language, and the GPC "Opt-out request honored" status is in Spanish."""
    context = browser.new_context(locale="en-US", extra_http_headers={"Sec-GPC": "1"})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/requests/new/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Make a privacy request")
        expect(page.locator("html")).to_have_attribute("lang", "en")

        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change language").click()

        assert page.url == f"{live_server.url}/requests/new/"  # the same page, now in Spanish
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hacer una solicitud de privacidad")
        honored = page.get_by_role("status").filter(has_text="Solicitud de exclusión respetada")
        expect(honored).to_be_visible()

        page.get_by_label("Nombre", exact=True).fill("Maya")
        page.get_by_role("button", name="Enviar solicitud").click()
        expect(page.locator("#error-summary-title")).to_have_text("Corrija 3 problemas:")
        expect(page.locator("#err_kinds")).to_have_text("Elija al menos una solicitud.")
        expect(page.locator("#err_last_name")).to_have_text("Ingrese su apellido.")
        assert not PrivacyRequest.objects.exists()

        page.get_by_label("Saber qué categorías de información tenemos").check()
        page.get_by_label("Apellido", exact=True).fill("Chen")
        page.get_by_label("Dirección de correo electrónico").fill("maya.chen@example.com")
        page.get_by_label("Código postal").fill("94105")
        page.get_by_role("button", name="Enviar solicitud").click()

        expect(page.get_by_role("heading", name="Recibimos su solicitud")).to_be_visible()
        expect(page.get_by_text("Guarde su referencia.")).to_be_visible()
        expect(page.get_by_text(PrivacyRequest.objects.get().reference)).to_be_visible()
        expect(honored).to_be_visible()
        assert Submission.objects.get().language == "es"
    finally:
        context.close()
