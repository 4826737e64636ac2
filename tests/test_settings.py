"""Production is configured only through the environment; a missing or malformed value names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://u@127.0.0.1:5432/db",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "FERNET_KEYS": "jTgYd4JjrKq7b0lq1t1cY7yQJm0WbHk1t3nN6w0mB2Q=",
    "PROCESSOR_WEBHOOK_SECRET": "a",
    "PROCESSOR_SUBJECT_HASH_KEY": "b",
    "SUPPRESSION_HASH_KEY": "c",
    "CACHE_URL": "rediscache://127.0.0.1:6379/1",
}


def load_settings(env: dict, tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    clean.update(env, RAKUNEST_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="rakunest_privacy.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_no_environment_at_all_is_production_and_refuses_to_start_without_its_secrets(tmp_path):
    done = load_settings({}, tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "DJANGO_SECRET_KEY" in done.stderr


def test_development_mode_is_asked_for_and_runs_without_any_other_variable(tmp_path):
    done = load_settings({"DJANGO_DEBUG": "true"}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_a_complete_production_environment_loads(tmp_path):
    done = load_settings(PRODUCTION, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "FERNET_KEYS", "PROCESSOR_WEBHOOK_SECRET", "SUPPRESSION_HASH_KEY"],
)
def test_production_without_a_required_variable_refuses_to_start_and_names_it(tmp_path, missing):
    done = load_settings({k: v for k, v in PRODUCTION.items() if k != missing}, tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and missing in done.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DJANGO_DEBUG", "maybe"), ("FERNET_KEYS", "not-a-key"), ("OTP_TTL_MINUTES", "fifteen")],
)
def test_a_malformed_value_refuses_to_start_and_names_the_variable(tmp_path, name, value):
    done = load_settings({**PRODUCTION, name: value}, tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and name in done.stderr


def test_production_refuses_sqlite_and_the_file_system_broker(tmp_path):
    sqlite = load_settings({**PRODUCTION, "DATABASE_URL": "sqlite:///x.db"}, tmp_path)
    assert sqlite.returncode != 0 and "DATABASE_URL" in sqlite.stderr
    broker = load_settings({**PRODUCTION, "CELERY_BROKER_URL": "filesystem://"}, tmp_path)
    assert broker.returncode != 0 and "CELERY_BROKER_URL" in broker.stderr


def test_production_refuses_a_per_worker_cache_while_rate_limits_are_on(tmp_path):
    without = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}
    done = load_settings(without, tmp_path)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "CACHE_URL" in done.stderr
    locmem = load_settings({**PRODUCTION, "CACHE_URL": "locmemcache://x"}, tmp_path)
    assert locmem.returncode != 0 and "CACHE_URL" in locmem.stderr
    assert load_settings({**without, "RATELIMIT_ENABLE": "false"}, tmp_path).returncode == 0


def test_check_deploy_with_a_production_environment_reports_nothing(tmp_path):
    """Every warning of `manage.py check --deploy` fails this test (HSTS, cookies, SSL, secret key)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    clean.update(
        PRODUCTION,
        # check --deploy also judges the key itself: long, varied, not Django's insecure prefix.
        DJANGO_SECRET_KEY="kQ9vXw2mZ7rT4pLc8bN1sF6hJ3gD0aYeU5iOxRqWnEtMzVyBuCo",
        DJANGO_ALLOWED_HOSTS="privacy.rakunest.example",
        RAKUNEST_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="rakunest_privacy.settings",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues" in done.stdout


def test_hsts_include_subdomains_and_preload_can_be_turned_off(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))}
    clean.update(
        PRODUCTION,
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_HSTS_PRELOAD="false",
        RAKUNEST_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="rakunest_privacy.settings",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert done.stdout.split() == ["31536000", "False", "False"], done.stderr
