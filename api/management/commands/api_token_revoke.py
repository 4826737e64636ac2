from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.services import api_token_revoke


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (the part shown after rk_)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        try:
            token = ApiToken.objects.get(prefix=prefix)
        except ApiToken.DoesNotExist:
            raise CommandError(f"no token {prefix!r}") from None
        token = api_token_revoke(token=token)
        self.stdout.write(f"token {token.prefix}… revoked at {token.revoked_at:%Y-%m-%d %H:%M %Z}")
