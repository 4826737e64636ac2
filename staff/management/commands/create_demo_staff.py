"""Demo staff accounts, one per role, with documented passwords (README). Development only."""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from staff.permissions import Role

DEMO_PASSWORD_SUFFIX = "-demo-pass-2025"  # noqa: S105 - documented local-demo passwords, refused without DEBUG


class Command(BaseCommand):
    help = "Create the demo staff users viewer/analyst/approver/approver2/admin (refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo staff accounts have public passwords: refused when DJANGO_DEBUG is off.")
        accounts = [
            ("viewer", Role.VIEWER),
            ("analyst", Role.ANALYST),
            ("approver", Role.APPROVER),
            ("approver2", Role.APPROVER),
            ("admin", Role.ADMIN),
        ]
        for username, role in accounts:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@rakunest.example"}
            )
            user.set_password(f"{username}{DEMO_PASSWORD_SUFFIX}")
            user.is_staff = role == Role.ADMIN  # the admin role may also use /admin/
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"{'created' if created else 'reset'} {username} ({role})")
