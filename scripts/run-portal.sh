#!/usr/bin/env bash
# Development server and a real Celery worker (with beat) side by side; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"  # the embedded development set-up
mkdir -p var
# The demo co-working system's database (records/datasets/demo_coworking.yaml); the worker reads it too.
export DEMO_COWORKING_DATABASE_URL="${DEMO_COWORKING_DATABASE_URL:-sqlite:///$PWD/var/demo-coworking.sqlite3}"
.venv/bin/celery -A rakunest_privacy worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT INT TERM
echo "Portal: http://127.0.0.1:8000/   (e-mails are written to var/mail/)"
.venv/bin/python manage.py runserver 127.0.0.1:8000
