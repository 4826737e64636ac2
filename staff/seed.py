"""The staff roles (groups) and denial reason templates every installation starts with.

Migration 0002 calls `roles_and_reasons_create` with the migration's app registry; tests call it with
the live one after a transactional test has flushed the tables.
"""

from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_noop

ROLES = ["viewer", "analyst", "approver", "admin"]
ADMIN_MODEL_PERMISSIONS = {
    "staff": ["denialreasontemplate", "staffevent"],  # StaffEvent: read-only in the admin
    "auth": ["user", "group"],
    "records": ["datacategory", "datapointtype", "source", "purpose", "recipient", "system"],
}
# Staff MFA devices: an admin may see who has enrolled and delete a lost device (the person enrols again
# at their next sign-in), but not add or change one: a device they set up would pass another's second step.
ADMIN_PERMISSION_CODENAMES = {
    "otp_totp": ["view_totpdevice", "delete_totpdevice"],
    "otp_static": ["view_staticdevice", "delete_staticdevice"],
}

# Titles and explanations are marked for the catalogue (the denial e-mail translates the shipped wording
# into the requester's language; a template staff have edited is sent as written). Rows hold English.
REASON_TEMPLATES = [
    {
        "code": "unverifiable",
        "reason": "unverifiable",
        "title": gettext_noop("We could not verify your identity"),
        "statute": "Cal. Civ. Code §1798.130(a)(2); Cal. Code Regs. tit. 11, §7060–§7062 (verification); for deletion, §7022.",
        "explanation": gettext_noop(
            "We could not match the information you gave us to our records with the degree of certainty the law requires before we act on this kind of request. This protects you: we never release or delete information unless we are confident that the request comes from the person it concerns."
        ),
        "offer_opt_out": True,
    },
    {
        "code": "too_many_requests",
        "reason": "too_many_requests",
        "title": gettext_noop("You have reached the number of requests allowed"),
        "statute": "Cal. Civ. Code §1798.100(d) and §1798.130(b) (twice in a 12-month period); §1798.145(h)(3) (manifestly unfounded or excessive requests).",
        "explanation": gettext_noop(
            "The law lets a business limit requests to know or access to two in any 12-month period, and to refuse requests that are manifestly unfounded or excessive. You may make a new request once the 12-month period has passed."
        ),
        "offer_opt_out": False,
    },
    {
        "code": "not_california_consumer",
        "reason": "not_california_consumer",
        "title": gettext_noop("The request is not covered by California law"),
        "statute": "Cal. Civ. Code §1798.140(i) (a “consumer” is a natural person who is a California resident).",
        "explanation": gettext_noop(
            "The rights in the California Consumer Privacy Act belong to California residents. From the information we hold and the information you gave us, this request does not concern a California resident."
        ),
        "offer_opt_out": False,
    },
    {
        "code": "fraud",
        "reason": "fraud",
        "title": gettext_noop("We believe the request is fraudulent"),
        "statute": "Cal. Code Regs. tit. 11, §7060 (a business must verify requests and may decline one it has a documented, good-faith belief is fraudulent); Cal. Civ. Code §1798.105(d) (security and fraud).",
        "explanation": gettext_noop(
            "We have reason to believe that this request was not made by, or on behalf of, the person it concerns. To protect that person's information we will not act on it. If you made this request yourself, please contact us."
        ),
        "offer_opt_out": False,
    },
    {
        "code": "legal_obligation",
        "reason": "exception",
        "title": gettext_noop("We must keep the information to comply with the law"),
        "statute": "Cal. Civ. Code §1798.105(d) (comply with a legal obligation) and §1798.145(a)(1) (comply with federal, state or local law).",
        "explanation": gettext_noop(
            "Some of the information is information we are required by law to keep (for example tax and accounting records). We keep it only as long as the law requires and use it for nothing else."
        ),
        "offer_opt_out": True,
    },
    {
        "code": "complete_transaction",
        "reason": "exception",
        "title": gettext_noop("We need the information to provide a service you asked for"),
        "statute": "Cal. Civ. Code §1798.105(d) (complete the transaction, provide a good or service requested, perform a contract).",
        "explanation": gettext_noop(
            "The information is needed to provide a membership or booking you have with us, or to perform our contract with you. It can be deleted once that service ends."
        ),
        "offer_opt_out": True,
    },
    {
        "code": "security",
        "reason": "exception",
        "title": gettext_noop("We need the information for security and to prevent fraud"),
        "statute": "Cal. Civ. Code §1798.105(d) (help ensure security and integrity; detect and prosecute malicious, deceptive, fraudulent or illegal activity).",
        "explanation": gettext_noop(
            "The information is used to keep our workplaces and services secure and to prevent fraud. We keep only what that purpose needs."
        ),
        "offer_opt_out": True,
    },
    {
        "code": "legal_claims",
        "reason": "exception",
        "title": gettext_noop("We need the information for fees owed or a dispute"),
        "statute": "Cal. Civ. Code §1798.145(a)(1)(E) (exercise or defend legal claims); privacy policy §7 (fees owed, disputes).",
        "explanation": gettext_noop(
            "The information relates to fees owed or to a dispute, and we need it to resolve that matter or to exercise or defend legal claims."
        ),
        "offer_opt_out": True,
    },
]


def roles_and_reasons_create(apps) -> None:
    from django.apps import apps as live_apps

    if apps is not live_apps:  # inside a migration, permissions do not exist until post_migrate
        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    admin = Group.objects.get(name="admin")
    for app_label, models in ADMIN_MODEL_PERMISSIONS.items():
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
        )
    for app_label, codenames in ADMIN_PERMISSION_CODENAMES.items():
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    Template = apps.get_model("staff", "DenialReasonTemplate")
    for row in REASON_TEMPLATES:
        Template.objects.update_or_create(code=row["code"], defaults=row)
