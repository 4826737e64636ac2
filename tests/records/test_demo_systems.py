"""The demo's co-working system (seed_demo_systems): a real SQLite database described by the shipped
dataset file, registered in the data map, found, exported and erased through the SQL connector."""

import shutil
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from records.connectors import sql as sql_connector
from records.connectors.registry import records_erase, records_export, records_locate, system_connector
from records.erasure import erasure_plan_for_systems
from records.management.commands.seed_demo_systems import DATASET, MANUAL_SYSTEM_CODE, SYSTEM_CODE
from records.models import System
from records.suppression import suppression_record

pytestmark = pytest.mark.django_db

URL_ENV = "DEMO_COWORKING_DATABASE_URL"
MAYA = {"email": "maya.chen@example.com", "phone": "+14155550101", "member_number": "RN00000001"}
DIEGO_MEMBER_NUMBER = "RN00000002"


@pytest.fixture
def demo_db(tmp_path, monkeypatch, settings):
    """The variable pointing at a file under tmp_path (make run points it at var/); engines closed after."""
    settings.DEBUG = True
    path = tmp_path / "demo-coworking.sqlite3"
    monkeypatch.setenv(URL_ENV, f"sqlite:///{path}")
    yield path
    for url in [u for u in sql_connector._engines if str(tmp_path) in u]:
        sql_connector._engines.pop(url).dispose()


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts(path) -> dict[str, int]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        found = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()  # noqa: S608 (fixed names)
            for t in ("members", "bookings", "invoices")
        }
    engine.dispose()
    return found


def rows(path, sql: str, **params) -> list[sa.Row]:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        found = list(conn.execute(sa.text(sql), params))
    engine.dispose()
    return found


def coworking() -> list:
    """The co-working system's connector alone (the demo also registers a manual system)."""
    return [system_connector(System.objects.get(code=SYSTEM_CODE))]


def points_by_type(points) -> dict[str, set[str]]:
    found = defaultdict(set)
    for point in points:
        found[point.type_code].add(point.value)
    return found


def test_the_command_creates_the_database_and_registers_the_system(demo_db):
    output = run("seed_demo_systems")
    assert demo_db.exists()
    held = counts(demo_db)
    assert held["members"] == 152 and held["bookings"] > 150 and held["invoices"] > 150
    assert f"Co-working system ({SYSTEM_CODE}, registered)" in output
    system = System.objects.get(code=SYSTEM_CODE)
    assert (system.connector, system.dataset_path, system.erasure) == ("sql", DATASET, "delete")
    assert "7 years" in system.retention
    assert set(system.categories.values_list("code", flat=True)) == {
        "identifiers", "customer_records", "commercial", "protected_classifications"
    }  # fmt: skip
    assert list(system.sources.values_list("code", flat=True)) == ["direct"]
    assert set(system.purposes.values_list("code", flat=True)) == {
        "provide_services",
        "communicate",
        "protection",
    }
    assert list(system.recipients.values_list("code", flat=True)) == ["it_hosting"]
    data_map = System.objects.exclude(code__in=[SYSTEM_CODE, MANUAL_SYSTEM_CODE])
    assert system.position > data_map.order_by("-position")[0].position


def test_running_it_again_adds_nothing_and_if_empty_leaves_an_edited_system_alone(demo_db):
    run("seed_demo_systems")
    first = counts(demo_db)
    assert "0 demo and 0 random members added" in run("seed_demo_systems")
    assert counts(demo_db) == first
    System.objects.filter(code=SYSTEM_CODE).update(retention="Edited by the privacy team.")
    assert "already present; nothing added" in run("seed_demo_systems", "--if-empty")
    assert counts(demo_db) == first
    assert System.objects.get(code=SYSTEM_CODE).retention == "Edited by the privacy team."
    assert System.objects.filter(code=SYSTEM_CODE).count() == 1


def test_the_demo_system_is_refused_outside_debug(demo_db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused when DJANGO_DEBUG is off"):
        call_command("seed_demo_systems")
    assert not demo_db.exists()
    assert not System.objects.filter(code=SYSTEM_CODE).exists()


def test_without_the_variable_the_command_names_it_and_creates_nothing(demo_db, monkeypatch):
    monkeypatch.delenv(URL_ENV)
    with pytest.raises(
        CommandError, match=f"field connection.url_env: environment variable {URL_ENV} is not set"
    ):
        call_command("seed_demo_systems")
    assert not System.objects.filter(code=SYSTEM_CODE).exists()


def test_connector_check_is_clean_on_the_demo_system(demo_db):
    run("seed_demo_systems")
    output = run("connector_check", SYSTEM_CODE, "--identity-email", MAYA["email"])
    assert "reachable: yes" in output
    assert "problem" not in output and "warning" not in output
    assert "dry run (email): found 1 in members; nothing was changed" in output
    assert "1 system(s) checked, all fine." in output


def test_maya_is_located_and_exported_from_members_bookings_and_invoices(demo_db):
    run("seed_demo_systems")
    for kind, value in MAYA.items():  # each identifier alone finds her, as the portal normalises it
        located = records_locate(identity={kind: value}, connectors=coworking())
        assert [(item.system_code, len(item.handles)) for item in located] == [(SYSTEM_CODE, 1)]
    [run_] = records_export(located=records_locate(identity=MAYA, connectors=coworking()))
    assert run_.error == ""
    found = points_by_type(run_.points)
    assert found["email"] == {MAYA["email"]} and found["phone"] == {MAYA["phone"]}
    assert found["member_number"] == {MAYA["member_number"]}
    assert found["date_of_birth"] == {"1990-04-02"}
    assert found["disability_accommodation"] == {"Step-free desk near the entrance"}
    assert {"Maya", "Chen", "Maya Chen"} == found["full_name"]  # members' columns and the invoices'
    assert {"Meeting room Sakura", "Focus booth 2", "Meeting room Fuji", "2025-03-04"} <= found[
        "membership_plan"
    ]
    assert {"Dedicated desk, March 2025", "Dedicated desk, April 2025", "$450.00"} <= found["invoice"]
    assert "123 Market Street, San Francisco, CA 94105" in found["postal_address"]
    assert {p.system_code for p in run_.points} == {SYSTEM_CODE}
    assert {p.source_code for p in run_.points} == {"direct"}
    # Hers only: 11 member fields, 3 bookings x 2 and 2 invoices x 5.
    assert len(run_.points) == 11 + 3 * 2 + 2 * 5


def test_diego_is_found_by_member_number_with_his_accented_name(demo_db):
    run("seed_demo_systems")
    located = records_locate(identity={"member_number": DIEGO_MEMBER_NUMBER}, connectors=coworking())
    [run_] = records_export(located=located)
    found = points_by_type(run_.points)
    assert found["email"] == {"diego.alvarez@example.com"}
    assert {"Diego", "Álvarez", "Diego Álvarez"} == found["full_name"]
    assert {"Hot desk, May 2025"} <= found["invoice"]


def test_erasing_maya_on_a_copy_deletes_masks_and_keeps_as_the_file_says(demo_db, tmp_path, monkeypatch):
    run("seed_demo_systems")
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(demo_db, copy)
    monkeypatch.setenv(URL_ENV, f"sqlite:///{copy}")
    before = counts(copy)
    located = records_locate(identity=MAYA, connectors=coworking())
    plan = erasure_plan_for_systems(consumer=None, system_codes=[SYSTEM_CODE])
    [result] = records_erase(located=located, plan=plan)
    assert result.error == ""
    [outcome] = result.value.systems
    # bookings deleted; the member row and both invoices de-identified; the invoices kept (tax law).
    assert (outcome.deleted, outcome.deidentified, outcome.retained) == (3, 3, 2)
    assert outcome.reason == "legal_obligation"
    after = counts(copy)
    assert after == {**before, "bookings": before["bookings"] - 3}
    [member] = rows(copy, "SELECT * FROM members WHERE first_name = '[erased]'")
    assert (member.email, member.phone, member.member_no, member.street, member.birth_date) == (None,) * 5
    assert (member.last_name, member.accessibility_needs) == ("[erased]", None)
    assert rows(copy, "SELECT count(*) FROM bookings WHERE member_id = :id", id=member.id)[0][0] == 0
    invoices = rows(copy, "SELECT * FROM invoices WHERE member_id = :id ORDER BY id", id=member.id)
    assert [(i.description, i.amount, i.billing_name, i.billing_address) for i in invoices] == [
        ("Dedicated desk, March 2025", "$450.00", "[erased]", None),
        ("Dedicated desk, April 2025", "$450.00", "[erased]", None),
    ]
    assert records_locate(identity=MAYA, connectors=coworking())[0].handles == ()
    diego = records_locate(identity={"member_number": DIEGO_MEMBER_NUMBER}, connectors=coworking())
    assert len(diego[0].handles) == 1
    assert rows(demo_db, "SELECT count(*) FROM members WHERE email = :e", e=MAYA["email"])[0][0] == 1


def test_a_person_erased_at_their_request_is_not_created_again(demo_db):
    suppression_record(**MAYA)
    run("seed_demo_systems")
    assert (
        rows(demo_db, "SELECT count(*) FROM members WHERE member_no = :m", m=MAYA["member_number"])[0][0] == 0
    )
    assert (
        rows(demo_db, "SELECT count(*) FROM members WHERE member_no = :m", m=DIEGO_MEMBER_NUMBER)[0][0] == 1
    )


def test_the_paper_visitor_log_is_registered_as_a_manual_system_with_its_owner(demo_db):
    run("seed_demo_systems")
    system = System.objects.get(code=MANUAL_SYSTEM_CODE)
    assert (system.connector, system.owner_email, system.dataset_path) == (
        "manual",
        "frontdesk@rakunest.example",
        "",
    )
    assert set(system.categories.values_list("code", flat=True)) == {"identifiers", "customer_records"}
    run("seed_demo_systems")
    assert System.objects.filter(code=MANUAL_SYSTEM_CODE).count() == 1


def test_the_shipped_visitor_log_file_is_what_the_owner_page_accepts(demo_db):
    from requests_app.systems.forms import parse_owner_file
    from requests_app.systems.services import owner_allowed_types

    run("seed_demo_systems")
    allowed = set(owner_allowed_types(System.objects.get(code=MANUAL_SYSTEM_CODE)))
    content = (Path(settings.BASE_DIR) / "records/datasets/demo_visitor_log.csv").read_bytes()
    rows = parse_owner_file(name="demo_visitor_log.csv", content=content, allowed=allowed)
    assert len(rows) == 3
    assert {type_code for row in rows for type_code, _value, _when in row["points"]} == {"full_name", "phone"}
