from django.conf import settings


def portal(request) -> dict:
    return {
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "contact_phone": settings.PRIVACY_CONTACT_PHONE,
        "privacy_policy_url": settings.PRIVACY_POLICY_URL,
    }


def gpc(request) -> dict:
    """base.html shows "Opt-out request honored" to a browser whose GPC signal we recorded."""
    return {"gpc_honored": getattr(request, "gpc_honored", False)}
