"""Create (or refresh) the demo firm with one user per role. Safe to run again."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import services
from core.choices import Role
from core.models import Firm, User

DEMO_FIRM = {
    "slug": "demo",
    "name": "Riyadh Trading Co.",
    "name_ar": "شركة الرياض التجارية",
    "vat_number": "300000000000003",
    "address": "King Fahd Road, Al Olaya, Riyadh 12214",
    "address_ar": "طريق الملك فهد، العليا، الرياض 12214",
    "phone": "+966 11 000 0000",
    "email": "sales@riyadh-trading.example",
}
DEMO_USERS = [
    ("admin", Role.ADMIN, "Noura", "Al-Qahtani", "en"),
    ("manager", Role.SALES_MANAGER, "Faisal", "Al-Harbi", "ar"),
    ("sales", Role.SALES_PERSON, "Sara", "Al-Otaibi", "en"),
    ("warehouse", Role.WAREHOUSE, "Khalid", "Al-Dosari", "ar"),
    ("finance", Role.FINANCE, "Maha", "Al-Shehri", "en"),
]


class Command(BaseCommand):
    help = "Create the demo firm and a user of every role (idempotent); prints the logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off (the demo password is public).")

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options) -> None:
        if not (settings.DEBUG or force):
            raise CommandError("seed_demo creates users with a public password: it runs with "
                               "DEBUG=1 (as `make run` does) or with --force.")
        firm, _created = Firm.objects.update_or_create(slug=DEMO_FIRM["slug"], defaults=DEMO_FIRM)
        services.settings_row(firm=firm)
        password = settings.DEMO_PASSWORD
        for username, role, first_name, last_name, language in DEMO_USERS:
            fields = {"first_name": first_name, "last_name": last_name, "language": language,
                      "email": f"{username}@riyadh-trading.example"}
            if User.objects.filter(username=username).exclude(firm=firm).exists():
                # Never touch a real user who happens to have a demo name.
                self.stderr.write(f"{username} belongs to another firm: left alone.")
                continue
            user = User.objects.filter(username=username, firm=firm).first()
            if user is None:
                services.user_create(firm=firm, actor=None, username=username,
                                     password=password, role=role, **fields)
            else:
                services.user_update(user=user, actor=None, role=role, password=password,
                                     is_active=True, **fields)
        # Each app adds its own demo rows (AppConfig.seed_demo), left to right, so later apps
        # can build on earlier ones; each must be idempotent too.
        demo_users = {user.username: user for user in firm.users.all()}
        for config in apps.get_app_configs():
            if hasattr(config, "seed_demo"):
                config.seed_demo(firm=firm, users=demo_users)
        self.stdout.write(self.style.SUCCESS(f"Demo firm: {firm.name} ({firm.name_ar})"))
        self.stdout.write("Log in at http://127.0.0.1:8000/ with any of these users:")
        for username, role, *_rest in DEMO_USERS:
            self.stdout.write(f"  {username:<10} / {password}   ({Role(role).label})")
