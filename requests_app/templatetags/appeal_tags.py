from django import template

from requests_app.appeals import services as appeals
from requests_app.appeals.models import Appeal

register = template.Library()


@register.inclusion_tag("requests_app/appeals/_block.html")
def appeal_block(privacy_request):
    """The status page's appeal block: the appeal's state, or the way to make one while it is allowed."""
    appeal = (
        Appeal.objects.filter(request=privacy_request)
        .only("submitted_at", "due_at", "decision", "decided_at")
        .first()
    )
    return {
        "appeal": appeal,
        "last_day": appeals.appeal_deadline(privacy_request),
        "open": appeal is None and appeals.appeal_window_open(privacy_request),
    }
