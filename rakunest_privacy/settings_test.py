"""Test settings: the production settings with fast, isolated parts.

DATABASE_URL picks the database (README's test command points it at PostgreSQL); integration tests
switch Celery to a real broker and worker themselves (tests/integration/conftest.py).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("RAKUNEST_VAR_DIR", tempfile.mkdtemp(prefix="rakunest-test-var-"))
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DJANGO_DEBUG", "true")  # development defaults; production is tested in test_settings

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="rakunest-test-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Live-server and worker tests open connections from other threads and processes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405
SMS_BACKEND = "verification.sms.LocmemBackend"
# The outbox relays in the sender's process: e-mails and texts at once (tests read mail.outbox right after a
# service), task enqueues in the commit hook (eager tasks), as before the outbox (requests_app.outbox).
OUTBOX_RELAY_SYNC = True
