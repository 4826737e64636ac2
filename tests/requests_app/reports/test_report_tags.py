"""Issue 14 part 2: the report PDF carries its document language and a tagged structure (headings, lists,
tables) in reading order, for screen readers."""

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from requests_app.reports.compile import disclosure_compile
from requests_app.reports.render import report_render
from tests.requests_app.reports.test_reports import access_request, fulfil, pdf_of

pytestmark = pytest.mark.django_db


def _roles(node) -> list[str]:
    """The structure element types (/S) below `node`, depth first: the reading order."""
    node = node.get_object()
    if isinstance(node, ArrayObject):
        return [role for kid in node for role in _roles(kid)]
    if not isinstance(node, DictionaryObject) or "/K" not in node:
        return []
    own = [str(node["/S"])] if "/S" in node else []
    return own + _roles(node["/K"])


def test_the_report_pdf_states_its_language_and_is_tagged_in_reading_order(
    django_capture_on_commit_callbacks,
):
    reader = pdf_of(fulfil(access_request(), django_capture_on_commit_callbacks))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert catalog["/MarkInfo"]["/Marked"]
    roles = _roles(catalog["/StructTreeRoot"])
    assert {"/H1", "/H2", "/P", "/Table", "/TR", "/TD"} <= set(roles)
    assert "/Figure" not in roles  # the cover's mark is decoration: no figure without a text alternative
    headings = [role for role in roles if role in ("/H1", "/H2")]
    assert headings[0] == "/H1" and headings.count("/H1") == 1 and len(headings) > 5


def test_an_untagged_render_has_no_structure_tree():
    """The benchmark's comparison (bench/report.py): the same report with tagged=False."""
    rendered = report_render(disclosure=disclosure_compile(request=access_request()), tagged=False)
    catalog = PdfReader(io.BytesIO(rendered.pdf)).trailer["/Root"]
    assert "/StructTreeRoot" not in catalog
    assert catalog["/Lang"] == "en"
