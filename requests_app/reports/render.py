"""Render a Disclosure: a PDF (WeasyPrint) with the same data as JSON and CSV attached, and one ZIP.

Layout is where WeasyPrint spends its time (DESIGN §6: ~90 KB and several ms per table row). The short
sections are fixed-layout tables whose headers repeat; the long list of specific pieces is a ledger of
preformatted monospace lines in blocks of LEDGER_CHUNK lines, with its column headings in the page
margin of every ledger page. That renders 10,000 data points in a few seconds and ~150 MB.

Nothing is fetched except the bundled assets in ASSETS: no file://, no network. Every value reaches the
HTML through Django's autoescaping template engine.
"""

import csv
import io
import json
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from requests_app.reports.compile import Disclosure, PointLine, SystemSection

ASSET_BASE = "https://report-assets.invalid/"
STATIC_DIR = Path(settings.BASE_DIR) / "static"
ASSETS = {
    f"{ASSET_BASE}css/report.css": ("css/report.css", "text/css"),
    f"{ASSET_BASE}img/report-mark.svg": ("img/report-mark.svg", "image/svg+xml"),
}

# The ledger of specific pieces: monospace columns (title, width in characters), wrapped in Python.
# Layout time grows with the lines laid out, so source and type are sub-headings, not wrapped columns.
LEDGER_COLUMNS = ((gettext_lazy("Collected"), 16), (gettext_lazy("Value"), 92))
LEDGER_GAP = 4
LEDGER_CHUNK = 40
WITHHELD_MARK = gettext_lazy("[Withheld by law: see section 8]")
ZONE_NAMES = {"America/Los_Angeles": gettext_lazy("Pacific time")}
CSV_FIELDS = (
    "system",
    "category",
    "type",
    "source",
    "collected_at",
    "value",
    "withheld",
    "shared_with",
    "period_from",
    "period_to",
)


class BundledAssetFetcher(URLFetcher):
    """Serves only the report's own bundled assets; refuses every other URL (file://, http://, data:…)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",))
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        asset = ASSETS.get(url)
        if asset is None:
            self.refused.append(url)
            raise ValueError("only bundled report assets may be loaded")
        path, mime = asset
        return URLFetcherResponse(url, (STATIC_DIR / path).read_bytes(), headers={"Content-Type": mime})


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    zip: bytes
    json: bytes
    csv: bytes
    pages: int
    base_name: str


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _cell(text: str, width: int) -> list[str]:
    text = " ".join(text.split())  # newlines, tabs and runs of spaces would break the columns
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _columns(cells: list[str], starts: list[int]) -> str:
    """Cells at fixed character columns of the monospace ledger."""
    line, position = "", 0
    for cell, start in zip(cells, starts, strict=True):
        if cell:
            if position < start:
                line += " " * (start - position)
                position = start
            line += cell
            position += len(cell)
    return line


def _starts() -> list[int]:
    starts, position = [], 0
    for _title, width in LEDGER_COLUMNS:
        starts.append(position)
        position += width + LEDGER_GAP
    return starts


LEDGER_STARTS = _starts()


def ledger_header() -> str:
    return _columns([str(title) for title, _width in LEDGER_COLUMNS], LEDGER_STARTS)


def ledger_chunks(points: list[PointLine]) -> list[str]:
    """The points as aligned, wrapped lines, joined into blocks of LEDGER_CHUNK lines (cheap to lay out)."""
    widths = [width for _title, width in LEDGER_COLUMNS]
    withheld = str(WITHHELD_MARK)
    lines: list[str] = []
    for point in points:
        cells = [
            [_when(point.collected_at)],
            _cell(withheld if point.value is None else point.value, widths[1]),
        ]
        for row in range(max(map(len, cells))):
            lines.append(_columns([cell[row] if row < len(cell) else "" for cell in cells], LEDGER_STARTS))
    return ["\n".join(lines[i : i + LEDGER_CHUNK]) for i in range(0, len(lines), LEDGER_CHUNK)]


def _point_dict(point: PointLine) -> dict:
    return {
        "system": point.system,
        "category": point.category,
        "type": point.type_name,
        "source": point.source,
        # One zone in the PDF, JSON and CSV: the business's (settings.TIME_ZONE), with its UTC offset.
        "collected_at": timezone.localtime(point.collected_at).isoformat(),
        "value": point.value,
        "withheld": point.value is None,
        "shared_with": point.shared_with,
    }


def disclosure_json(disclosure: Disclosure) -> bytes:
    d = disclosure
    document = {
        "report": {
            "business": "RakuNest (Rakuten USA, Inc. d/b/a Rakuten Americas)",
            "reference": d.reference,
            "request_kind": d.kind,
            "prepared_for": d.consumer_name,
            "generated_at": timezone.localtime(d.generated_at).isoformat(),
            "time_zone": settings.TIME_ZONE,
            "language": d.language,
            "period": {"from": d.period_start.isoformat(), "to": d.period_end.isoformat()},
            "specific_pieces_included": d.specific,
            "data_point_count": d.point_count,
        },
        "categories_collected": [
            {
                "category": c.name,
                "description": c.description,
                "sensitive": c.sensitive,
                "types_held": c.types,
            }
            for c in d.categories
        ],
        "sources": [{"source": s.name, "description": s.description} for s in d.sources],
        "purposes": [{"purpose": f"{p.label}. {p.name}", "description": p.description} for p in d.purposes],
        "recipients_by_category": {category: names for category, names in d.recipients_by_category},
        "sold_or_shared": [
            {"recipient": r.name, "kind": r.kind, "categories": r.categories, "address": r.address}
            for r in d.sold
        ],
        "disclosed_for_a_business_purpose": [
            {"recipient": r.name, "kind": r.kind, "categories": r.categories} for r in d.disclosed
        ],
        "withheld_types": [
            {"type": w.name, "category": w.category, "systems": w.systems, "statement": w.sentence}
            for w in d.withheld
        ],
        "retention": {
            "statement": str(d.retention_statement),
            "systems": [{"system": s.name, "retention": s.retention} for s in d.systems],
        },
        "contact": {"email": d.contact_email, "phone": d.contact_phone, "address": list(d.postal_address)},
    }
    if d.specific:
        document["data_points"] = [_point_dict(p) for s in d.systems for p in s.points]
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def disclosure_csv(disclosure: Disclosure) -> bytes:
    """Specific pieces: one row per data point. Categories request: one row per type of information held."""
    out = io.StringIO()
    # Every row states the range served (Regs 2026: requests to know may reach beyond 12 months).
    period = (disclosure.period_start.isoformat(), disclosure.period_end.isoformat())
    if disclosure.specific:
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for section in disclosure.systems:
            for point in section.points:
                row = _point_dict(point)
                row["value"] = "" if point.value is None else point.value
                row["withheld"] = "yes" if point.value is None else "no"
                row["period_from"], row["period_to"] = period
                writer.writerow(row)
    else:
        writer = csv.writer(out)
        writer.writerow(["category", "type_held", "sensitive", "period_from", "period_to"])
        for category in disclosure.categories:
            for type_name in category.types:
                writer.writerow([category.name, type_name, "yes" if category.sensitive else "no", *period])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8


@dataclass(frozen=True)
class LedgerGroup:
    type_name: str
    source: str
    shared_with: str
    count: int
    chunks: list[str]


def _groups(section: SystemSection) -> list[LedgerGroup]:
    """A system's points by (type, source), each group in the order collected."""
    groups: dict[tuple[str, str, str], list[PointLine]] = {}
    for point in section.points:
        groups.setdefault((point.type_name, point.source, point.shared_with), []).append(point)
    return [
        LedgerGroup(
            type_name=type_name,
            source=source,
            shared_with=shared_with,
            count=len(points),
            chunks=ledger_chunks(points),
        )
        for (type_name, source, shared_with), points in groups.items()
    ]


def _system_blocks(disclosure: Disclosure) -> list[tuple[SystemSection, list[LedgerGroup]]]:
    return [(s, _groups(s)) for s in disclosure.systems if disclosure.specific]


def report_html(disclosure: Disclosure, *, base_name: str) -> str:
    with translation.override(disclosure.language):
        return _report_html(disclosure, base_name=base_name)


def _report_html(disclosure: Disclosure, *, base_name: str) -> str:
    return render_to_string(
        "reports/disclosure.html",
        {
            "d": disclosure,
            "systems": _system_blocks(disclosure),
            "ledger_header": ledger_header(),
            "time_zone": settings.TIME_ZONE,
            "time_zone_name": ZONE_NAMES.get(settings.TIME_ZONE, settings.TIME_ZONE),
            "base_name": base_name,
            "withheld_mark": WITHHELD_MARK,
            "language": disclosure.language,
        },
    )


def report_render(
    *, disclosure: Disclosure, fetcher: BundledAssetFetcher | None = None, tagged: bool = True
) -> RenderedReport:
    """Render the PDF with JSON and CSV inside it, and the ZIP offering all three, in the disclosure's
    language. JSON keys and CSV column names stay English whatever the language (programs parse them);
    only what a person reads (headings, sentences, the PDF) is translated. `tagged` (issue 14 part 2): a
    tagged PDF (structure tree in reading order, headings, lists, tables) for screen readers; the document
    language (/Lang) comes from the template's `<html lang>` either way. bench/report.py compares it with
    `tagged=False`."""
    with translation.override(disclosure.language):
        return _report_render(disclosure=disclosure, fetcher=fetcher, tagged=tagged)


def _report_render(
    *, disclosure: Disclosure, fetcher: BundledAssetFetcher | None, tagged: bool
) -> RenderedReport:
    fetcher = fetcher or BundledAssetFetcher()
    base_name = f"rakunest-report-{disclosure.reference}"
    json_bytes, csv_bytes = disclosure_json(disclosure), disclosure_csv(disclosure)
    document = HTML(
        string=report_html(disclosure, base_name=base_name), base_url=ASSET_BASE, url_fetcher=fetcher
    ).render()
    attachments = [
        Attachment(
            string=json_bytes,
            name=f"{base_name}.json",
            description=_("Your report as JSON (machine-readable)"),
            url_fetcher=fetcher,
            relationship="Data",
        ),
        Attachment(
            string=csv_bytes,
            name=f"{base_name}.csv",
            description=_("Your report as CSV (for spreadsheets)"),
            url_fetcher=fetcher,
            relationship="Data",
        ),
    ]
    pdf = document.write_pdf(attachments=attachments, pdf_tags=tagged)
    pages = len(document.pages)
    del document
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base_name}.pdf", pdf)
        archive.writestr(f"{base_name}.json", json_bytes)
        archive.writestr(f"{base_name}.csv", csv_bytes)
    return RenderedReport(
        pdf=pdf, zip=buffer.getvalue(), json=json_bytes, csv=csv_bytes, pages=pages, base_name=base_name
    )
