from datetime import date

from django import template
from django.utils.html import format_html

from requests_app import deadlines

register = template.Library()


def badge_parts(due: date | None, today: date | None = None, closed: bool = False) -> dict:
    """Days left: green, amber under 7, red when overdue (closed requests show the plain date)."""
    if due is None:
        return {"text": "", "tone": "", "due": None}
    if closed:
        return {"text": due.strftime("%b %-d, %Y"), "tone": "", "due": due}
    left = deadlines.days_left(due, today)
    if left < 0:
        text, tone = f"{-left} day{'s' if left != -1 else ''} overdue", "red"
    elif left == 0:
        text, tone = "due today", "amber"
    else:
        text, tone = f"{left} day{'s' if left != 1 else ''} left", "amber" if left < 7 else "green"
    return {"text": text, "tone": tone, "due": due}


@register.simple_tag
def due_badge(due: date | None, today: date | None = None, closed: bool = False) -> str:
    # A simple tag, not an inclusion tag: it runs once per queue row, and rendering a sub-template per
    # row cost more than the query did.
    parts = badge_parts(due, today, closed)
    if not parts["text"]:
        return ""
    return format_html(
        '<span class="badge {}" title="Due {}">{}</span>',
        parts["tone"],
        due.strftime("%b %-d, %Y"),
        parts["text"],
    )


@register.filter
def event_label(name: str) -> str:
    """requests.request.extended -> "request extended"."""
    parts = name.split(".")
    return " ".join(p.replace("_", " ") for p in parts[1:]) if len(parts) > 1 else name
