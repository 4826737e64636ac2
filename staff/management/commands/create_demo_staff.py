"""Demo staff accounts, one per role, with documented passwords and one documented authenticator secret
(README). Development only."""

from base64 import b32decode
from binascii import hexlify

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.mfa import TOTP_DEVICE_NAME
from staff.permissions import Role

DEMO_PASSWORD_SUFFIX = "-demo-pass-2025"  # noqa: S105 - documented local-demo passwords, refused without DEBUG
# The one TOTP secret (base32) of every demo account: public in README, so the command's DEBUG guard keeps
# it out of production like the passwords. Real accounts get a random secret at enrolment (staff/mfa.py).
DEMO_TOTP_SECRET = "RAKUNESTDEMOONLYTOTPSECRETNOPROD"  # noqa: S105
DEMO_CODE_ONE_LINER = (
    '.venv/bin/python -c "from base64 import b32decode; from django_otp.oath import totp; '
    f"print('%06d' % totp(b32decode('{DEMO_TOTP_SECRET}')))\""
)


class Command(BaseCommand):
    help = "Create the demo staff users viewer/analyst/approver/approver2/admin (refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Demo staff accounts have public passwords and a public authenticator secret: "
                "refused when DJANGO_DEBUG is off."
            )
        accounts = [
            ("viewer", Role.VIEWER),
            ("analyst", Role.ANALYST),
            ("approver", Role.APPROVER),
            ("approver2", Role.APPROVER),
            ("admin", Role.ADMIN),
        ]
        demo_key = hexlify(b32decode(DEMO_TOTP_SECRET)).decode()
        for username, role in accounts:
            with transaction.atomic():
                user, created = User.objects.get_or_create(
                    username=username, defaults={"email": f"{username}@rakunest.example"}
                )
                user.set_password(f"{username}{DEMO_PASSWORD_SUFFIX}")
                user.is_staff = role == Role.ADMIN  # the admin role may also use /admin/
                user.save()
                user.groups.set([Group.objects.get(name=role)])
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=demo_key, confirmed=True)
            self.stdout.write(f"{'created' if created else 'reset'} {username} ({role})")
        self.stdout.write(
            f"Demo authenticator secret (base32, every demo user, demo only): {DEMO_TOTP_SECRET}\n"
            f"Add it to an authenticator app, or print the current code with:\n  {DEMO_CODE_ONE_LINER}"
        )
