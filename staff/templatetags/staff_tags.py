from datetime import date

from django import template

from requests_app import deadlines

register = template.Library()


@register.inclusion_tag("staff/_due_badge.html")
def due_badge(due: date | None, today: date | None = None, closed: bool = False):
    """Days left: amber under 7, red when overdue (closed requests show the plain date)."""
    if due is None:
        return {"text": "", "tone": ""}
    left = deadlines.days_left(due, today)
    if closed:
        return {"text": due.strftime("%b %-d, %Y"), "tone": "", "due": due}
    if left < 0:
        text, tone = f"{-left} day{'s' if left != -1 else ''} overdue", "red"
    elif left == 0:
        text, tone = "due today", "amber"
    else:
        text, tone = f"{left} day{'s' if left != 1 else ''} left", "amber" if left < 7 else "green"
    return {"text": text, "tone": tone, "due": due}


@register.filter
def event_label(name: str) -> str:
    """requests.request.extended -> "request extended"."""
    parts = name.split(".")
    return " ".join(p.replace("_", " ") for p in parts[1:]) if len(parts) > 1 else name
