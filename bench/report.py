"""Access-report rendering benchmark (issue 4; DESIGN §8: 10,000 data points in < 10 s and < 400 MB).

For 100, 1,000 and 10,000 data points it renders the real report (PDF with JSON + CSV attached, and
the ZIP), the same report without PDF tags (issue 14 part 2) and, in the same run, a naive baseline: the
same rows as one plain HTML table through WeasyPrint. Each render runs in a fresh subprocess, so its peak memory (ru_maxrss) is its own.

    .venv/bin/python bench/report.py                 # 100, 1000, 10000
    .venv/bin/python bench/report.py --sizes 1000 --no-baseline
    .venv/bin/python bench/report.py --one 10000 --out /tmp/report.pdf   # one render, keep the PDF
    .venv/bin/python bench/report.py --sizes 1000,10000 --language es    # the report in Spanish

No database is needed: the disclosure is synthetic but shaped like the data map's (9 systems).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakunest_privacy.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("RAKUNEST_VAR_DIR", tempfile.mkdtemp(prefix="rakunest-bench-"))

MESSAGE_WORDS = (
    "lunch at twelve thirty anyone joining the pitch practice room booked for the demo day slides".split()
)


def _message(rng: random.Random) -> str:
    return " ".join(rng.choice(MESSAGE_WORDS) for _ in range(rng.randrange(4, 30))).capitalize() + "."


# (code, name, share of the points, [(type, category, source, withheld, value maker)]); shaped like
# seed_demo's records: mostly short log values, some long messages, a few never-disclose types.
SYSTEMS = [
    (
        "member_accounts",
        "Member accounts",
        0.04,
        [
            (
                "Membership plan",
                "Commercial information",
                "You, directly",
                False,
                lambda r: r.choice(["Hot desk", "Dedicated desk", "Private office"]),
            ),
            ("Passport number", "Identifiers", "You, directly", True, lambda r: "X12345678"),
        ],
    ),
    (
        "webinar_registrations",
        "Webinar registrations",
        0.06,
        [
            (
                "Webinar registration",
                "Commercial information",
                "You, directly",
                False,
                lambda r: f"Fundraising {r.randrange(101, 130)} (2023-03-14)",
            ),
        ],
    ),
    (
        "building_access",
        "Building access",
        0.10,
        [
            (
                "Image captured at building entry",
                "Identifiers",
                "Our facilities",
                True,
                lambda r: "entry-camera/frame.jpg",
            ),
            (
                "Sign-in to the Digital RakuNest Service",
                "Internet or other network activity",
                "Our facilities",
                False,
                lambda r: f"Entry at San Mateo, door {r.randrange(1, 5)}",
            ),
        ],
    ),
    (
        "payments",
        "Payments",
        0.05,
        [
            (
                "Invoice",
                "Commercial information",
                "You, directly",
                False,
                lambda r: f"INV-2023-{r.randrange(10000):04d}: Dedicated desk, $450.00, paid",
            ),
        ],
    ),
    (
        "health_checks",
        "Health checks",
        0.03,
        [
            (
                "Temperature check",
                "Health or biometric information",
                "Our facilities",
                False,
                lambda r: "36.7 °C, cleared for entry",
            ),
        ],
    ),
    (
        "comms_uploads",
        "Communications platform",
        0.12,
        [
            (
                "Message posted on a communications platform",
                "Information and files you post or upload",
                "You, directly",
                False,
                _message,
            ),
        ],
    ),
    (
        "web_logs",
        "Website logs and cookies",
        0.55,
        [
            (
                "Page viewed",
                "Internet or other network activity",
                "Your device, automatically",
                False,
                lambda r: f"/{r.choice(['events', 'spaces', 'pricing'])}/{r.randrange(10**4)}",
            ),
            (
                "IP address",
                "Identifiers",
                "Your device, automatically",
                False,
                lambda r: f"203.0.113.{r.randrange(1, 255)}",
            ),
            (
                "Online identifier (cookie or device ID)",
                "Identifiers",
                "Cookies and similar technologies",
                False,
                lambda r: f"ga:1.2.{r.randrange(10**9)}.{r.randrange(10**9)}",
            ),
        ],
    ),
    (
        "marketing_list",
        "Marketing list",
        0.02,
        [
            (
                "Marketing preference",
                "Commercial information",
                "You, directly",
                False,
                lambda r: "Subscribed to the RakuNest newsletter",
            ),
        ],
    ),
    (
        "partner_sharing",
        "Partner-sharing list",
        0.03,
        [
            (
                "Shared with a partner for their marketing",
                "Commercial information",
                "You, directly",
                False,
                lambda r: "Shared with RakuNest Partner Network",
            ),
        ],
    ),
]
TYPES = [t for *_, types in SYSTEMS for t in types]


def synthetic_disclosure(n: int, *, seed: int = 1, language: str = "en"):
    import django

    django.setup()
    from django.utils import timezone

    from requests_app.reports.compile import (
        CategoryLine,
        Disclosure,
        NamedLine,
        PointLine,
        RecipientLine,
        SystemSection,
        WithheldType,
        withheld_sentence,
    )

    rng = random.Random(seed)
    start = datetime(2022, 1, 1, tzinfo=timezone.get_current_timezone())
    sections = []
    left = n
    for i, (code, name, share, types) in enumerate(SYSTEMS):
        count = left if i == len(SYSTEMS) - 1 else min(left, round(n * share))
        left -= count
        points = []
        for when in sorted(start + timedelta(minutes=rng.randrange(60 * 24 * 1400)) for _ in range(count)):
            type_name, category, source, withheld, make = rng.choice(types)
            value = None if withheld else make(rng)
            points.append(PointLine(name, type_name, category, source, when, value))
        sections.append(
            SystemSection(code, name, f"The {name.lower()} system.", "Kept for 2 years.", count, [], points)
        )
    return Disclosure(
        reference="RN-BNCH-2345-6789",
        kind="access_specific",
        kind_label="Get a copy of the specific pieces of information (portable)",
        specific=True,
        consumer_name="Maya Chen",
        generated_at=timezone.now(),
        period_start=date(2022, 1, 1),
        period_end=timezone.localdate(),
        point_count=n,
        categories=[CategoryLine(t[1], "Described in the privacy policy.", False, [t[0]], 1) for t in TYPES],
        sources=[NamedLine("You, directly", "Forms you fill in.")],
        purposes=[NamedLine("To provide our services", "Accounts and access.", "A")],
        recipients_by_category=[("Identifiers", ["IT and hosting providers"])],
        sold=[
            RecipientLine("Business incubation partners", "Partner", "4B", "", ["Identifiers"], "San Mateo")
        ],
        disclosed=[RecipientLine("IT and hosting providers", "Service provider", "4A", "", ["Identifiers"])],
        withheld=[
            WithheldType(
                "Passport number", "Identifiers", ["Member accounts"], 1, withheld_sentence("Passport number")
            )
        ],
        systems=sections,
        opted_out_of_sale_on=None,
        contact_email="rusa-privacy@mail.rakuten.com",
        contact_phone="+1 (888) 551-2118",
        site_url="https://privacy.rakunest.example",
        language=language,
    )


def naive_html(disclosure) -> str:
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{p.collected_at:%Y-%m-%d %H:%M}</td><td>{escape(p.type_name)}</td>"
        f"<td>{escape(p.value or 'Withheld')}</td><td>{escape(p.source)}</td></tr>"
        for s in disclosure.systems
        for p in s.points
    )
    return (
        "<html><body><h1>Report</h1><table><thead><tr><th>System</th><th>Collected</th><th>Type</th>"
        f"<th>Value</th><th>Source</th></tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def one(n: int, variant: str, out: str | None, language: str = "en") -> dict:
    import django

    django.setup()
    from django.utils import translation

    with translation.override(language):  # as disclosure_compile does: its sentences in that language
        disclosure = synthetic_disclosure(n, language=language)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if variant in ("report", "untagged"):
        from requests_app.reports.render import report_render

        rendered = report_render(disclosure=disclosure, tagged=variant == "report")
        pdf, pages, extra = rendered.pdf, rendered.pages, {"zip_bytes": len(rendered.zip)}
    else:
        from weasyprint import HTML

        document = HTML(string=naive_html(disclosure)).render()
        pdf, pages, extra = document.write_pdf(), len(document.pages), {}
    seconds = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if out:
        Path(out).write_bytes(pdf)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "n": n,
        "variant": variant,
        "language": language,
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak_mb,
        "pages": pages,
        "pdf_bytes": len(pdf),
        **extra,
    }


def run_child(n: int, variant: str, language: str = "en") -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--one", str(n), "--variant", variant, "--language", language],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--one", type=int)
    parser.add_argument("--variant", default="report", choices=["report", "untagged", "naive"])
    parser.add_argument("--out")
    parser.add_argument("--language", default="en", help="the report's language (en, es)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.variant, args.out, args.language)))
        return
    print(
        f"{'points':>7} {'variant':<8} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'pages':>6} {'PDF KB':>8}"
    )
    verdicts = []
    for n in (int(s) for s in args.sizes.split(",")):
        ours = run_child(n, "report", args.language)
        untagged = run_child(
            n, "untagged", args.language
        )  # the same report without PDF tags (issue 14 part 2)
        rows = [ours, untagged]
        if not args.no_baseline:
            rows.append(run_child(n, "naive"))
        for r in rows:
            print(
                f"{r['n']:>7} {r['variant']:<8} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {r['peak_mb']:>8.0f} {r['pages']:>6} "
                f"{r['pdf_bytes'] / 1024:>8.0f}",
                flush=True,
            )
        print(
            f"{'':>7} tagged / untagged: {ours['seconds'] / untagged['seconds']:.2f}x time, "
            f"{ours['peak_mb'] / untagged['peak_mb']:.2f}x memory, {ours['pdf_bytes'] / untagged['pdf_bytes']:.2f}x size",
            flush=True,
        )
        if len(rows) == 3:
            print(
                f"{'':>7} speed-up over the naive table: {rows[2]['seconds'] / ours['seconds']:.1f}x",
                flush=True,
            )
        if n == 10_000:
            verdicts.append(
                f"10,000 points: {ours['seconds']:.1f} s (target < 10 s), {ours['peak_mb']:.0f} MB (target < 400 MB)"
            )
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
