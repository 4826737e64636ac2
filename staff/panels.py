"""Panels of the staff request page that other parts of the portal contribute.

Each entry is a template rendered with the page's context (`privacy_request`, `submission` — None when
the user may not see personal data —, `can`). The verification and agent work adds its declaration and
permission-document panels here with one line each; a panel loads its own data through a template tag.
"""

EVIDENCE_PANELS: list[str] = [
    "staff/request/_evidence_verification.html",
]
