"""Create an API token for a user (a person or a service account in a staff role group); the secret is
printed once and never stored."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.exceptions import ApiError
from api.services import DEFAULT_DAYS, MAX_DAYS, api_token_create
from staff.permissions import user_actions


class Command(BaseCommand):
    help = "Create an API token; prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"life in days (max {MAX_DAYS})")

    def handle(self, *args, username, name, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        if not user_actions(user):
            raise CommandError(f"{username!r} holds no staff role: add them to a role group first")
        try:
            created = api_token_create(user=user, name=name, days=days)
        except ApiError as exc:
            raise CommandError(exc.message) from None
        token = created.token
        self.stdout.write(
            f"token {token.prefix}… for {username}, expires {token.expires_at:%Y-%m-%d %H:%M %Z}"
        )
        self.stdout.write("Copy the secret now; it is not shown again:")
        self.stdout.write(created.secret)
