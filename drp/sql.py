"""A DRP exercise in one SQL statement on PostgreSQL, as the web form's intake (requests_app/intake/sql.py).

The rows are built by the usual code (`agent_submission_build`, the DRP request, the seen message) and
written by one WITH … INSERT chain: the seen message first, `ON CONFLICT DO NOTHING`, and every other row
selected from it, so a replayed message writes nothing at all and the statement returns no row. Other
databases take the ORM path (`agent_request_submit`), which writes the same rows.
"""

from drp.models import DrpAgent, DrpRequest, DrpSeenMessage
from requests_app.agents.services import AgentSubmission
from requests_app.intake.sql import (
    chain_run,
    columns_and_values,
    events_cte,
    outbox_tasks_cte,
    requests_cte,
    row_select,
    submission_saved,
    table,
)
from requests_app.outbox.services import outbox_wake_on_commit


def drp_exercise_insert(
    *, agent: DrpAgent, built: AgentSubmission, seen: DrpSeenMessage, drp_request: DrpRequest
) -> bool:
    """Write the submission, its authorization, request, events, outbox tasks, the seen message and the
    DRP row in one statement and set their primary keys; False (nothing written) for a replay, or when
    `agent` is no longer enabled with the same token and verify key."""
    if len(built.requests) != 1:
        raise ValueError("a DRP exercise opens exactly one request")
    columns, placeholders, seen_params = columns_and_values(seen)
    parts = [
        (
            # Written only while the agent is enabled with the token and key its message was checked
            # against (the caller may have found the agent in its token cache).
            f"m AS (INSERT INTO {table(DrpSeenMessage)} ({', '.join(columns)}) "  # noqa: S608 (values bound)
            f"SELECT {', '.join(placeholders)} FROM {table(DrpAgent)} AS g "
            "WHERE g.id = %s AND g.enabled AND g.token_hash = %s AND g.verify_key = %s "
            "ON CONFLICT (digest) DO NOTHING RETURNING id)",
            [*seen_params, agent.pk, agent.token_hash, agent.verify_key],
        ),
        row_select("s", built.submission, source="m"),
        row_select("a", built.authorization, parents={"submission_id": "s"}),
        requests_cte(built.requests),
        events_cte(built.events),
        row_select("d", drp_request, parents={"privacy_request_id": "r"}),
        outbox_tasks_cte([(task.name, "a", None) for task in built.tasks]),
    ]
    rows = chain_run(parts, select="SELECT s.id, r.id, r.reference, a.id, d.id FROM s, r, a, d")
    if not rows:
        return False
    submission_saved(built.submission, built.requests, rows)
    built.authorization.pk, drp_request.pk = rows[0][3], rows[0][4]
    built.authorization.submission = built.submission
    drp_request.privacy_request = built.requests[0]
    for obj in (built.authorization, drp_request):
        obj._state.adding = False
    outbox_wake_on_commit()
    return True
