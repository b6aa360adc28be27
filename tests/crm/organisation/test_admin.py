"""Sales persons in the Django admin: a refused delete keeps the row and says why."""

import pytest

from crm.models import (
    SalesPerson,
)
from tests.contracts.admin import admin_url
from tests.crm.factories import (
    make_sales_person,
)


@pytest.mark.django_db
def test_admin_refused_delete_keeps_the_row_and_says_why_only(client, firm, admin_user,
                                                              monkeypatch):
    """The admin's own page lists protected rows first, so the service refuses there only
    when something started using the row meanwhile: the admin then returns to the row with
    the reason, never with Django's "deleted successfully"."""
    from django.contrib import admin as django_admin

    from core.errors import ApplicationError

    person = make_sales_person(firm)

    def refuse(obj, actor):
        raise ApplicationError(code="protected", message="still used by campaigns: 1",
                               status_code=409)

    monkeypatch.setattr(django_admin.site._registry[SalesPerson], "delete_with_service", refuse)
    client.force_login(admin_user)
    response = client.post(admin_url(SalesPerson, "delete", person.pk), {"post": "yes"},
                           follow=True)
    assert response.redirect_chain[-1][0] == admin_url(SalesPerson, "change", person.pk)
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["still used by campaigns: 1"]
    assert SalesPerson.objects.filter(pk=person.pk).exists()
