"""Panels of the staff request page that other parts of the portal contribute.

Each entry is a template rendered with the page's context (`privacy_request`, `submission` — None when
the user may not see personal data —, `can`, `forms`). A panel loads its own data through a template tag
(staff/templatetags/evidence_tags.py) and renders nothing when the request has none of it; its actions
post to `staff:request_action` like every other action (staff/views.py ACTIONS).
"""

EVIDENCE_PANELS: list[str] = [
    "staff/request/_evidence_verification.html",
    "staff/request/_evidence_declaration.html",
    "staff/request/_evidence_agent.html",
    "staff/request/_evidence_correction.html",
    "staff/request/_evidence_processors.html",
    "staff/request/_evidence_systems.html",
]
