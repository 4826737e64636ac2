"""axe-core in Chromium (issue 14 part 2): the pages the accessibility test visits, the ones it leaves out
and why, and the check itself. axe-core is the npm package pinned in tests/e2e/axe/ (scripts/ensure-axe.sh)."""

from pathlib import Path
from urllib.parse import urlsplit

from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.requests_app.flow_helpers import MAYA, code_sent_to

AXE_SOURCE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe's tag names).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}

# Every named page of the public site and the staff site that test_a11y_browser.py renders (in each
# state it names there), per language.
AXE_PAGES = {
    "requests_app:home",
    "requests_app:request_new",
    "requests_app:submitted",
    "requests_app:status_lookup",
    "requests_app:status_code",
    "requests_app:status_view",
    "requests_app:appeal_new",
    "requests_app:report_download",
    "requests_app:verify",
    "requests_app:verify_next",
    "requests_app:do_not_sell",
    "requests_app:do_not_sell_done",
    "requests_app:sale_opt_in",
    "requests_app:system_owner_task",
    "requests_app:deletion_confirm",
    "requests_app:deletion_scheduled",
    "requests_app:deletion_cancel",
    "requests_app:deletion_resend",
    "requests_app:correction_details",
    "requests_app:correction_contact",
    "requests_app:correction_statement",
    "requests_app:agent_new",
    "requests_app:agent_submitted",
    "requests_app:agent_status_lookup",
    "requests_app:agent_status_code",
    "requests_app:agent_status_view",
    "requests_app:confirm_open",
    "requests_app:confirm_resend",
    "requests_app:confirm_answer",
    "requests_app:confirm_done",
    "staff:login",
    "staff:mfa",
    "staff:mfa_enrol",
    "staff:mfa_recovery_codes",
    "staff:queue",
    "staff:requests",
    "staff:request_detail",
    "staff:appeals",
    "staff:metrics",
    "api_staff:tokens",
}

# Named patterns that are not pages of their own. A new page must go into AXE_PAGES (and the tour), or
# here with its reason: test_every_named_page_is_checked_by_axe fails otherwise.
NOT_PAGES = {
    # Downloads: files, not HTML.
    "requests_app:report_file": "a report file (PDF, JSON, CSV or ZIP)",
    "staff:correction_document": "a requester's document, sent as an attachment",
    "staff:agent_document": "an agent's document, sent as an attachment",
    "staff:metrics_csv": "CSV",
    "staff:request_log_csv": "CSV",
    # POST-only endpoints that redirect, or render a template checked at another URL.
    "requests_app:report_code_request": "POST only; redirects to report_download",
    "requests_app:verify_resend": "POST only; redirects to verify or verify_next",
    "requests_app:processor_confirm": "POST only; a processor's signed JSON callback",
    "requests_app:deletion_confirm_now": "POST only; renders deletion/scheduled.html, checked at deletion_scheduled",
    "staff:logout": "POST only; redirects to the login page",
    "api_staff:revoke": "POST only; redirects to the API-token page",
    "set_language": "POST only (the language switcher); redirects back to the page it came from",
    "staff:bulk_assign": "POST only; redirects to the queue",
    "staff:appeal_decide": "POST only; redirects to the request page",
    "staff:request_action": "POST only; redirects to the request page",
}
# Whole namespaces that are not our HTML pages.
NOT_PAGE_NAMESPACES = {
    "api": "the staff JSON API, its OpenAPI schema and the third-party Swagger UI page for developers",
    "drp": "Data Rights Protocol JSON endpoints for agents' software",
    "admin": "Django's own admin (for admins; its templates are Django's, not ours)",
}


def named_url_patterns(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    """Every named URL pattern of the project, as "namespace:name"."""
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            names |= named_url_patterns(entry, inner or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return names


def axe_failures(page) -> list[str]:
    """Run axe-core on the page as it is now; one line per serious or critical violation: the rule, its
    impact, the elements (CSS selectors) and the help URL."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))  # evaluated by DevTools: no CSP applies
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(' '.join(n['target']) for n in v['nodes'])} — {v['helpUrl']}"
        for v in results["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


class Tour:
    """Runs axe on each page it is shown and remembers which named pages it saw and what failed."""

    def __init__(self, page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        page.set_default_timeout(10_000)
        self.seen: set[str] = set()
        self.failures: list[str] = []

    def go(self, path: str, what: str = "") -> None:
        self.page.goto(self.base_url + path)
        self.check(what)

    def check(self, what: str = "") -> None:
        path = urlsplit(self.page.url).path
        match = resolve(path)
        self.seen.add(f"{match.namespace}:{match.url_name}")
        self.failures += [f"{path} {what}: {line}" for line in axe_failures(self.page)]

    def submit(self, form: str = "main form", what: str = "with its errors") -> None:
        """Press the first submit button of `form` (a CSS selector) and check the page it leads to."""
        print("submit on", self.page.url)  # shown when a step fails
        self.page.locator(f"{form} button[type=submit]").first.click()
        self.page.wait_for_load_state()
        self.check(what)

    def fill(self, **fields: str) -> None:
        for name, value in fields.items():
            self.page.locator(f"main [name={name}]:not([type=hidden])").fill(value)


def request_as_maya(tour: Tour, *kinds: str, email: str = MAYA["email"]) -> None:
    """The request form, sent empty and then as the demo's Maya Chen asking for `kinds`."""
    tour.go("/requests/new/")
    tour.submit()
    for kind in kinds:
        tour.page.locator(f"main input[name=kinds][value={kind}]").check()
    tour.fill(
        first_name="Maya",
        last_name="Chen",
        email=email,
        phone="(415) 555-0101",
        zip_code="94105",
        member_number="RN00000001",
    )
    tour.submit(what="sent")


def open_status(
    tour: Tour, reference: str, email: str = MAYA["email"], *, path: str = "/requests/status/"
) -> None:
    """The status look-up at `path` (the requester's, or an agent's): sent empty, then filled, a wrong
    code, then the code e-mailed to `email`."""
    tour.go(path)
    tour.submit()
    tour.fill(reference=reference, email=email)
    tour.submit(what="code asked for")
    tour.fill(code="000000")
    tour.submit(what="wrong code")
    tour.fill(code=code_sent_to(mail.outbox, email))
    tour.submit(what="opened")
