import factory

from core import services
from core.choices import Role
from core.models import Firm, User

PASSWORD = "Test-pass-2026!"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Firm {n}")
    name_ar = factory.Sequence(lambda n: f"شركة {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    vat_number = "300000000000003"


def make_user(*, firm: Firm, role: str = Role.ADMIN, username: str | None = None,
              **fields) -> User:
    """A user made the way the product makes them (groups follow the role)."""
    username = username or f"{role}-{firm.slug}-{User.objects.count() + 1}"
    return services.user_create(firm=firm, actor=None, username=username, password=PASSWORD,
                                role=role, **fields)
