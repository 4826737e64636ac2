"""The base of every task that talks to the outside world (SMTP, a records system)."""

from celery import Task


class RetryingTask(Task):
    """Retried with exponential backoff and jitter when the outside world is unavailable for now.

    Each task still takes primary keys and calls one idempotent service, so a retry or a redelivered
    message (acks_late) does no harm. `autoretry_for` is the kind of trouble that passes: SMTP and
    connection errors by default; a task names its own (e.g. ConnectorError) where it differs.
    """

    abstract = True
    acks_late = True
    autoretry_for = (OSError,)
    max_retries = 8
    retry_backoff = 60  # seconds before the first retry, doubled each time
    retry_backoff_max = 3600
    retry_jitter = True
