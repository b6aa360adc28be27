"""Sales person services."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Role
from crm import services
from crm.models import (
    SalesPerson,
)
from tests.crm.factories import (
    make_sales_person,
    make_sales_team,
    make_territory,
)
from tests.factories import make_user


@pytest.mark.django_db
class TestSalesPersons:
    def test_created_and_updated(self, firm, admin_user):
        user = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        team, territory = make_sales_team(firm), make_territory(firm)
        person = services.sales_person_save(firm=firm, actor=admin_user, user=user,
                                            commission_rate=Decimal("7.5"))
        assert (person.firm, person.user, person.commission_rate) == (firm, user,
                                                                      Decimal("7.5"))
        services.sales_person_save(firm=firm, actor=admin_user, sales_person=person, team=team,
                                   territory=territory)
        stored = SalesPerson.objects.get(pk=person.pk)
        assert (stored.team, stored.territory) == (team, territory)
        assert stored.history.first().history_user == admin_user

    def test_one_profile_per_user(self, firm):
        person = make_sales_person(firm)
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, user=person.user)
        assert "user" in refused.value.message_dict
        assert SalesPerson.objects.count() == 1

    @pytest.mark.parametrize("field", ["user", "team", "territory"])
    def test_another_firms_reference_is_refused(self, firm, other_firm, field):
        foreign = {"user": lambda: make_user(firm=other_firm, role=Role.SALES_PERSON,
                                             username="foreign"),
                   "team": lambda: make_sales_team(other_firm),
                   "territory": lambda: make_territory(other_firm)}[field]()
        fields = {"user": make_user(firm=firm, role=Role.SALES_PERSON, username="mine"),
                  field: foreign}
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, **fields)
        assert field in refused.value.message_dict
        assert not SalesPerson.objects.filter(firm=firm).exists()

    @pytest.mark.parametrize("rate", ["-1", "100.0001"])
    def test_rate_between_0_and_100(self, firm, rate):
        user = make_user(firm=firm, role=Role.SALES_PERSON, username="seller")
        with pytest.raises(ValidationError) as refused:
            services.sales_person_save(firm=firm, actor=None, user=user,
                                       commission_rate=Decimal(rate))
        assert "commission_rate" in refused.value.message_dict
