"""Spanish for the public pages (issue 14 part 1): no untranslated text in the checked templates, every
msgid of the project translated in the committed catalogue, and the committed .mo compiled from the .po."""

import os
import re
import shutil
import subprocess
import sys
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "locale" / "es" / "LC_MESSAGES"

# The templates whose text must all be inside translate tags. A file, or a directory (every *.html
# under it). The e-mail and report templates join this list when their translation is merged.
CHECKED_TEMPLATES = [
    "templates/base.html",
    "templates/requests_app",
    "templates/emails",
    "templates/reports",
]
# E-mails to businesses and our own staff, English by design (requests_app/emails.py call sites say so).
ENGLISH_ONLY = {"processor_notice", "staff_reminder", "system_failing", "system_owner_task"}

# Text a translator leaves as it is: the brand name. Punctuation, digits, entities and URLs carry no
# letters once the patterns below have taken them out.
# The report's cover also names the brand ("RakuNest <span>Privacy</span>") and the statute, which stays
# as enacted. File name endings and paths shown as text are not words either.
ALLOWED_TEXT = re.compile(r"\bRakuNest\b|^\s*Privacy\s*$|California Consumer Privacy Act")
NOT_WORDS = re.compile(
    r"&[a-z]+;|&#\d+;|https?://\S+|mailto:\S+|\.(?:json|csv|pdf|zip)\b|(?<![\w<])/[\w./-]*/"
)
STYLE = re.compile(r"<style>.*?</style>", re.S)
TAG = re.compile(r"<[^>]*>")
# Attributes a visitor reads or hears (screen readers; data-label is shown by the CSS of stacked tables).
SPOKEN_ATTRIBUTE = re.compile(r'\b(?:aria-label|placeholder|title|alt|data-label)="([^"]*)"')
# Arguments of {% include %} that the included template prints: label="..." must be label=_("...").
PRINTED_ARGUMENT = re.compile(r'\b(?:label|hint|last_step)="([^"]*)"')
LETTER = re.compile(r"[^\W\d_]")

OPENS = {"blocktranslate", "blocktrans", "comment", "verbatim"}
CLOSES = {"endblocktranslate", "endblocktrans", "endcomment", "endverbatim"}


def _words(text: str) -> bool:
    return bool(LETTER.search(ALLOWED_TEXT.sub("", NOT_WORDS.sub("", text))))


def untranslated_text(source: str) -> list[str]:
    """The pieces of `source` (a template) that hold letters outside translate tags."""
    found = []
    depth = 0  # inside blocktranslate, comment or verbatim
    html = []  # the text and variables outside template tags, to find the HTML tags across tokens
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in OPENS:
                depth += 1
            elif name in CLOSES:
                depth -= 1
            elif name == "include" and not depth:
                found += [v for v in PRINTED_ARGUMENT.findall(token.contents) if _words(v)]
            html.append("\0")  # a tag's position, e.g. {% translate %} in an attribute
        elif depth:
            continue
        elif token.token_type == TokenType.TEXT:
            html.append(token.contents)
        elif token.token_type == TokenType.VAR:
            html.append("\0")
    text = STYLE.sub("\0", "".join(html))
    for tag in TAG.findall(text):
        found += [v for v in SPOKEN_ATTRIBUTE.findall(tag) if _words(v)]
    found += [piece.strip() for piece in TAG.sub("\0", text).split("\0") if _words(piece)]
    return found


def _checked_files() -> list[Path]:
    files = []
    for entry in CHECKED_TEMPLATES:
        path = BASE / entry
        files += sorted(path.rglob("*.html")) if path.is_dir() else [path]
    return [f for f in files if f.stem not in ENGLISH_ONLY]


@pytest.mark.parametrize("path", _checked_files(), ids=lambda p: str(p.relative_to(BASE)))
def test_public_template_has_no_text_outside_translate_tags(path):
    assert untranslated_text(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "<p>Send request</p>",
        '<nav aria-label="Main"></nav>',
        '<td data-label="Reference"></td>',
        "{% if x %}Deletion {{ r.reference }}{% endif %}",
        '{% include "f.html" with label="First name" %}',
        '<a href="{{ url }}">Privacy policy</a>',
    ],
)
def test_checker_finds_text_outside_translate_tags(source):
    assert untranslated_text(source) != []


@pytest.mark.parametrize(
    "source",
    [
        '<p>{% translate "Send request" %}</p>',
        '<nav aria-label="{% translate "Main" %}"></nav>',
        "{% blocktranslate trimmed with ref=r.reference %}Deletion {{ ref }}{% endblocktranslate %}",
        '{% include "f.html" with label=_("First name") type="date" %}',
        "<title>{% block title %}{% endblock %} · RakuNest</title>",
        "{# a comment #}<p>{{ contact_email }} · (415) 555-0100</p>",
    ],
)
def test_checker_accepts_translated_text(source):
    assert untranslated_text(source) == []


def _needs_gettext():
    if not (shutil.which("msgfmt") and shutil.which("xgettext")):
        pytest.skip("gettext is not installed (scripts/ensure-gettext.sh installs it for make test)")


def _gettext_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True)  # noqa: S603


def test_every_msgid_of_the_project_has_a_spanish_translation(tmp_path):
    """makemessages, as README says to run it, over a copy of the sources: every msgid it finds already has
    a translation (a new or changed msgid comes out untranslated or fuzzy) and it adds none."""
    _needs_gettext()
    copy = tmp_path / "project"
    shutil.copytree(BASE, copy, ignore=shutil.ignore_patterns(".*", "var", "tests", "bench", "__pycache__"))
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "--ignore=tests"],
        cwd=copy,
        env={**os.environ, "DJANGO_DEBUG": "true"},
        check=True,
        capture_output=True,
    )
    fresh = copy / "locale" / "es" / "LC_MESSAGES" / "django.po"
    for option in ("--untranslated", "--only-fuzzy"):
        left = _gettext_tool("msgattrib", option, "--no-wrap", str(fresh)).stdout
        assert re.findall(r'^msgid "(.+)"$', left, re.M) == [], f"msgattrib {option}: translate these"
    stats = _gettext_tool("msgfmt", "--statistics", "-o", os.devnull, str(fresh)).stderr
    committed = _gettext_tool("msgfmt", "--statistics", "-o", os.devnull, str(CATALOGUE / "django.po")).stderr
    assert re.fullmatch(r"\d+ translated messages\.\n", stats), stats
    assert stats == committed  # the same number: makemessages found no msgid the catalogue lacks


def _catalogue(mo: Path) -> dict:
    with mo.open("rb") as f:
        return GNUTranslations(f)._catalog


def test_committed_mo_is_compiled_from_the_po(tmp_path):
    _needs_gettext()
    compiled = tmp_path / "django.mo"
    _gettext_tool("msgfmt", "--check", "-o", str(compiled), str(CATALOGUE / "django.po"))
    assert _catalogue(CATALOGUE / "django.mo") == _catalogue(compiled)
