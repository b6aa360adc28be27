"""Helpers shared by the crm services (the generic record helpers are core.services')."""



from core.choices import Role
from core.models import User


def is_sales_person(user: User | None) -> bool:
    return user is not None and user.role == Role.SALES_PERSON


