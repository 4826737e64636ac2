"""External databases for the connector tests: a PostgreSQL database other than the portal's, a MariaDB
database and an SQLite file, each created for one test and dropped after it.

The servers are the ones `make test` and `.ci/run` start (scripts/ensure-services.sh). Outside CI a
server that does not answer skips its tests with the reason; in CI (CI=true) it fails them.
"""

import os
import uuid
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from records.connectors import sql as sql_connector
from tests.records.vendor_fakes import FakeVendor, start_fake_vendor

PREFIX = "rk_conn_ext_"


def _unreachable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}); start it with scripts/ensure-services.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _postgres_server() -> str:
    """The portal's PostgreSQL server when the tests run on it, else the default local one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return f"postgresql+psycopg2://{parts.username or 'postgres'}@{parts.hostname}:{parts.port or 5432}"
    return "postgresql+psycopg2://postgres@127.0.0.1:5432"


def _mariadb_server() -> str:
    return os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306")


def postgres_database(prefix: str = PREFIX):
    """A new PostgreSQL database named `prefix…`, dropped when the generator is closed."""
    server, name = _postgres_server(), f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unreachable("PostgreSQL", exc)
    try:
        yield f"{server}/{name}"
    finally:
        _dispose_engines(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def mariadb_database(prefix: str = PREFIX):
    """A new MariaDB database named `prefix…`, dropped when the generator is closed."""
    server, name = _mariadb_server(), f"{prefix}{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server + "/")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unreachable("MariaDB", exc)
    try:
        yield f"{server}/{name}"
    finally:
        _dispose_engines(name)
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


def _sqlite_database(tmp_path):
    yield f"sqlite:///{tmp_path / 'external.sqlite3'}"


def _dispose_engines(name: str) -> None:
    """The connector pools its engines per URL: close the ones of a database about to be dropped."""
    for url in [u for u in sql_connector._engines if u.endswith("/" + name)]:
        sql_connector._engines.pop(url).dispose()


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def external_db_url(request, tmp_path) -> str:
    """An empty database of each kind, in turn (the test runs three times)."""
    makers = {
        "postgresql": postgres_database,
        "mariadb": mariadb_database,
        "sqlite": lambda: _sqlite_database(tmp_path),
    }
    generator = makers[request.param]()
    url = next(generator)
    yield url
    generator.close()


@pytest.fixture
def vendor():
    """The SaaS stand-ins (tests/records/vendor_fakes.py) on an ephemeral 127.0.0.1 port."""
    state = FakeVendor()
    httpd = start_fake_vendor(state)
    yield state
    httpd.shutdown()
    httpd.server_close()
