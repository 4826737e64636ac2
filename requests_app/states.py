"""The one way a part of a request changes state: a deletion case, a correction case, a verification,
a notice to a recipient, an agent's document, a lowered verification bar.

Each package keeps its transition table next to the code that owns the field (`DELETION_STATES` in
requests_app.deletion.services, and so on); `state_change` does for those fields what
`lifecycle.request_transition` does for a request's own status: it locks the row, checks the move
against the table, saves with `update_fields` and writes the audit event in the same transaction.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from requests_app.exceptions import RequestError
from requests_app.lifecycle import event_record
from requests_app.models import PrivacyRequest


def state_change(
    *,
    obj: models.Model,
    field: str,
    to: str,
    table: dict[str, frozenset[str]],
    request: PrivacyRequest | int | Iterable[PrivacyRequest],
    event: str,
    actor=None,
    actor_label: str = "system",
    reason: str = "",
    data: dict[str, Any] | None = None,
    **changes: Any,
) -> models.Model:
    """Move `obj.<field>` to `to` if `table` allows it from the value in the database, setting `changes`
    alongside; one `event` on each request given (a submission's state concerns all its requests).

    Raises RequestError (code `illegal_state_change`) and saves nothing when the move is not allowed.
    """
    with transaction.atomic():
        # The row is locked before its current value is read: two workers cannot both make the move.
        current = type(obj).objects.select_for_update().filter(pk=obj.pk).values_list(field, flat=True).get()
        if to not in table[current]:
            labels = dict(obj._meta.get_field(field).flatchoices)
            raise RequestError(
                _("This cannot go from “%(current)s” to “%(target)s”.")
                % {"current": labels[current], "target": labels[to]},
                code="illegal_state_change",
            )
        setattr(obj, field, to)
        for name, value in changes.items():
            setattr(obj, name, value)
        # auto_now fields are refreshed only when named in update_fields (Model.save).
        touched = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=list(dict.fromkeys([field, *changes, *touched])))
        for one in _requests(request):
            event_record(
                request=one,
                name=event,
                actor=actor,
                actor_label=actor_label,
                reason=reason,
                data={**(data or {}), "from": current, "to": to},
            )
    return obj


def _requests(request: PrivacyRequest | int | Iterable[PrivacyRequest]) -> list[PrivacyRequest]:
    if isinstance(request, PrivacyRequest):
        return [request]
    if isinstance(request, int):
        return [PrivacyRequest.objects.get(pk=request)]
    return list(request)
