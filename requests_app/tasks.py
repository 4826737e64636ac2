"""Every task of the app, imported here so that each process (web and worker) registers them, and the
task that fulfils each kind. Task names are pinned (`requests.<area>.<step>`): queued messages and beat
entries survive a module's move."""

from requests_app.agents import tasks as agents
from requests_app.appeals import tasks as appeals
from requests_app.correction import tasks as correction
from requests_app.deletion import tasks as deletion
from requests_app.intake import tasks as intake
from requests_app.manual import tasks as manual
from requests_app.models import Kind
from requests_app.optout import tasks as optout
from requests_app.outbox import tasks as outbox
from requests_app.processors import tasks as processors
from requests_app.reports import tasks as reports
from requests_app.status import tasks as status
from requests_app.systems import tasks as systems
from requests_app.verify import tasks as verify

__all__ = [
    "agents",
    "appeals",
    "correction",
    "deletion",
    "intake",
    "manual",
    "optout",
    "outbox",
    "processors",
    "reports",
    "status",
    "systems",
    "verify",
]

FULFILMENT = {
    Kind.OPT_OUT: optout.fulfil_opt_out_task,
    Kind.SHINE_THE_LIGHT: optout.fulfil_shine_the_light_task,
    Kind.UNSUBSCRIBE: optout.fulfil_unsubscribe_task,
    Kind.CLOSE_ACCOUNT: optout.fulfil_close_account_task,
    # Run at once by the consumer's own confirmation (agents.agent_opt_in_answer); the task is for the sweeper.
    Kind.SALE_OPT_IN: optout.fulfil_sale_opt_in_task,
    Kind.DELETE: deletion.deletion_start_task,
    Kind.CORRECT: correction.correction_start_task,
    Kind.KNOW_CATEGORIES: reports.fulfil_access_task,
    Kind.ACCESS_SPECIFIC: reports.fulfil_access_task,
    # Carried out by staff by hand: the task puts the request to staff and records it.
    Kind.ADMT_ACCESS: manual.manual_hand_over_task,
    Kind.ADMT_OPT_OUT: manual.manual_hand_over_task,
}
