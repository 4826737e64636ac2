"""A small billing database (customers -> payments -> refunds) and its dataset file, for the SQL tests."""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from records.erasure import ErasurePlan, PlanEntry

MAYA = {"email": "maya.chen@example.com", "phone": "+14155550101", "member_number": "RN00000001"}

metadata = sa.MetaData()
customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(254), index=True),
    sa.Column("phone", sa.String(20), index=True),
    sa.Column("member_no", sa.String(16), unique=True),
    sa.Column("name", sa.String(120)),
    sa.Column("street", sa.String(200)),
)
payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), index=True, nullable=False),
    sa.Column("amount_cents", sa.Integer, nullable=False),
    sa.Column("card_last4", sa.String(4), nullable=False),
    sa.Column("created_at", sa.DateTime),
)
refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("payment_id", sa.Integer, sa.ForeignKey("payments.id"), index=True, nullable=False),
    sa.Column("note", sa.String(200)),
)
leads = sa.Table(  # an identity column with no index, for check()
    "leads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(254)),
)


def utc_naive(*parts: int) -> datetime:
    """Business databases often keep UTC in columns without a time zone (DateTime)."""
    return datetime(*parts, tzinfo=UTC).replace(tzinfo=None)


def build(url: str) -> sa.Engine:
    """Create the tables and rows: Maya (customer 1, two payments, one refund) and Diego (customer 2)."""
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            customers.insert(),
            [
                {"id": 1, "email": MAYA["email"], "phone": MAYA["phone"], "member_no": MAYA["member_number"],
                 "name": "Maya Chen", "street": "123 Market Street"},
                {"id": 2, "email": "diego.alvarez@example.com", "phone": "+14155550102", "member_no": "RN00000002",
                 "name": "Diego Alvarez", "street": "45 Ocean Avenue"},
            ],
        )  # fmt: skip
        conn.execute(
            payments.insert(),
            [
                {"id": 10, "customer_id": 1, "amount_cents": 45000, "card_last4": "4242",
                 "created_at": utc_naive(2025, 1, 5, 9, 30)},
                {"id": 11, "customer_id": 1, "amount_cents": 45000, "card_last4": "4242",
                 "created_at": utc_naive(2025, 2, 5, 9, 30)},
                {"id": 20, "customer_id": 2, "amount_cents": 30000, "card_last4": "1881",
                 "created_at": utc_naive(2025, 1, 7, 10, 0)},
            ],
        )  # fmt: skip
        conn.execute(
            refunds.insert(),
            [
                {"id": 100, "payment_id": 10, "note": "Maya asked for a refund"},
                {"id": 200, "payment_id": 20, "note": "Diego"},
            ],
        )
        conn.execute(leads.insert(), [{"id": 1, "email": MAYA["email"]}])
    return engine


DEIDENTIFY_FIELDS = {
    "customers": """
      email: {type: email, erase: set_null}
      phone: {type: phone, erase: set_null}
      member_no: {type: member_number, erase: set_null}
      name: {type: full_name, erase: mask, mask: "[erased]"}
      street: {type: postal_address, erase: set_null}""",
    "payments": """
      amount_cents: {type: invoice, erase: retain, reason: legal_obligation}
      card_last4: {type: payment_card, erase: mask, mask: "0000"}""",
    "refunds": """
      note: {type: message_post, erase: delete_row}""",
}


def dataset_text(fields: dict[str, str] | None = None, *, extra_tables: str = "") -> str:
    fields = {**DEIDENTIFY_FIELDS, **(fields or {})}
    return f"""version: 1
kind: sql
system: billing
connection:
  url_env: BILLING_DATABASE_URL
tables:
  customers:
    identity: {{email: email, phone: phone, member_number: member_no}}
    fields:{fields["customers"]}
  payments:
    references: {{customer_id: customers.id}}
    collected_at: created_at
    fields:{fields["payments"]}
  refunds:
    references: {{payment_id: payments.id}}
    fields:{fields["refunds"]}
{extra_tables}"""


def write_dataset(directory: Path, text: str) -> Path:
    path = directory / "billing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def plan(action: str = "delete", reason: str = "") -> ErasurePlan:
    entry = PlanEntry(system_id=0, system_code="billing", system_name="Billing", action=action, reason=reason)
    return ErasurePlan(consumer_id=None, entries=(entry,))
