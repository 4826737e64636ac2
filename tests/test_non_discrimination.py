"""CCPA §1798.125: nothing in the portal may depend on a consumer having exercised a right.

The rights flags are read and written only by the sale/marketing modules below; every other module
(intake, verification, reports, staff pages, templates) must not even mention them.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RIGHTS_FLAGS = re.compile(r"\b(sale_opted_out_at|sale_opt_in_at|marketing_subscribed|sale_opt_ins)\b")
ALLOWED = {
    "records/models.py",  # where they are defined
    "records/selectors.py",  # sale_list_consumers, marketing_list_consumers, Shine the Light
    "records/choices.py",  # the only writes: opt-out, opt-in, unsubscribe
    "bench/matching.py",  # copies whole consumer rows (every column) to grow the benchmark table
}
SCANNED_DIRS = ("rakunest_privacy", "records", "requests_app", "verification", "templates", "bench")


def flag_mentions(root: Path) -> list[str]:
    found = []
    for directory in SCANNED_DIRS:
        for path in sorted((root / directory).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.suffix not in {".py", ".html", ".txt"} or "/migrations/" in relative:
                continue
            if relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if RIGHTS_FLAGS.search(line):
                    found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_the_sale_and_marketing_modules_read_a_consumers_rights_flags():
    assert flag_mentions(ROOT) == []


def test_the_scan_finds_a_flag_read_planted_in_an_ordinary_module(tmp_path):
    for directory in SCANNED_DIRS:
        (tmp_path / directory).mkdir()
    (tmp_path / "requests_app" / "views.py").write_text(
        "def price(consumer):\n    return 10 if consumer.sale_opted_out_at else 8\n"
    )
    (tmp_path / "templates" / "offer.html").write_text(
        "{% if consumer.marketing_subscribed %}20% off{% endif %}"
    )
    (tmp_path / "records" / "selectors.py").write_text("x = consumer.sale_opt_in_at\n")  # allowed

    assert flag_mentions(tmp_path) == [
        "requests_app/views.py:2: return 10 if consumer.sale_opted_out_at else 8",
        "templates/offer.html:1: {% if consumer.marketing_subscribed %}20% off{% endif %}",
    ]
