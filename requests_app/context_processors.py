from django.conf import settings


def portal(request) -> dict:
    return {
        "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        "contact_phone": settings.PRIVACY_CONTACT_PHONE,
    }
