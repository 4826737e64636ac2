"""Who may do what in /staff/: the one table of roles and actions, and the one object-access helper.

Roles are Django groups (created by migration 0002). A user's actions are the union of their groups'
actions; a superuser may do everything. Every staff view asks `staff_request_get` (or `require_action`
for views without a request) before it touches data.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from requests_app.models import PrivacyRequest


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    APPROVER = "approver"
    ADMIN = "admin"


class Action(StrEnum):
    VIEW_QUEUE = "view_queue"  # the queue and a request's page without the requester's details
    VIEW_METRICS = "view_metrics"  # §7102 metrics: counts only
    VIEW_PERSONAL_DATA = "view_personal_data"  # the requester's details on a request's page
    SEARCH_EMAIL = "search_email"
    NOTE = "note"
    ASSIGN = "assign"
    REQUEST_INFO = "request_info"
    EXTEND = "extend"
    APPROVE = "approve"
    DENY = "deny"
    RERUN_FULFILMENT = "rerun_fulfilment"
    LOWER_VERIFICATION = "lower_verification"  # propose, or confirm another approver's proposal
    DECIDE_APPEAL = "decide_appeal"
    EXPORT_LOG = "export_log"  # the §7101 request log as CSV
    # Evidence panels. Recording a processor's confirmation and sending a failed notice again record
    # facts and repeat an instruction already decided: analysts do them. Accepting an agent's document
    # and deciding a correction change what happens to the consumer's data: approvers only.
    RECORD_PROCESSOR_CONFIRMATION = "record_processor_confirmation"
    RESEND_PROCESSOR_NOTICE = "resend_processor_notice"
    REVIEW_AGENT_DOCUMENT = "review_agent_document"
    DECIDE_CORRECTION = "decide_correction"
    # An external system that has not answered holds the request open; closing it without the system's
    # answer, with the reason recorded, is an approver's decision (issue 11). Trying a failing system
    # again repeats what was decided: analysts too.
    SKIP_SYSTEM = "skip_system"
    RETRY_SYSTEM = "retry_system"
    # A request received by telephone, mail or e-mail, entered through the API on the consumer's behalf
    # with the web form's validation (issue 12): analysts and above, and service accounts holding that role.
    SUBMIT_ON_BEHALF = "submit_on_behalf"
    # API tokens (/staff/api-tokens/): list everyone's, create (for oneself or a service account), revoke.
    MANAGE_API_TOKENS = "manage_api_tokens"


A = Action
_VIEWER = frozenset({A.VIEW_QUEUE, A.VIEW_METRICS})
_ANALYST = _VIEWER | {
    A.VIEW_PERSONAL_DATA,
    A.SEARCH_EMAIL,
    A.NOTE,
    A.ASSIGN,
    A.REQUEST_INFO,
    A.EXTEND,
    A.RECORD_PROCESSOR_CONFIRMATION,
    A.RESEND_PROCESSOR_NOTICE,
    A.RETRY_SYSTEM,
    A.SUBMIT_ON_BEHALF,
}
_APPROVER = _ANALYST | {
    A.APPROVE,
    A.DENY,
    A.RERUN_FULFILMENT,
    A.LOWER_VERIFICATION,
    A.DECIDE_APPEAL,
    A.REVIEW_AGENT_DOCUMENT,
    A.DECIDE_CORRECTION,
    A.SKIP_SYSTEM,
}
_ADMIN = _APPROVER | {A.EXPORT_LOG, A.MANAGE_API_TOKENS}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: _VIEWER,
    Role.ANALYST: frozenset(_ANALYST),
    Role.APPROVER: frozenset(_APPROVER),
    Role.ADMIN: frozenset(_ADMIN),
}


def user_actions(user) -> frozenset[Action]:
    """The user's allowed actions, computed once per request object (one query for the groups)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_staff_actions", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        actions = frozenset(Action)
    else:
        names = set(user.groups.values_list("name", flat=True))
        actions = frozenset().union(*(ROLE_ACTIONS[r] for r in Role if r.value in names))
    user._staff_actions = actions
    return actions


def user_can(user, action: Action) -> bool:
    return action in user_actions(user)


def require_action(user, action: Action) -> None:
    if not user_can(user, action):
        raise PermissionDenied


def staff_request_get(user, reference: str, action: Action, *, for_update: bool = False) -> PrivacyRequest:
    """The request `reference` if `user` may do `action` on it: PermissionDenied first, then 404.

    The permission is checked before the lookup so that someone without the right cannot learn which
    references exist. Requests are named by their random reference, never by a sequential id.
    """
    require_action(user, action)
    queryset = PrivacyRequest.objects.select_related("assignee", "submission")
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(reference=reference.strip().upper())
    except PrivacyRequest.DoesNotExist:
        raise Http404("No such request.") from None
