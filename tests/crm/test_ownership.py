"""What a sales person creates is theirs, so their own role scope keeps showing it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.choices import Role
from core.scoping import scope_for
from crm import services
from crm.models import Customer, Lead
from tests.crm.factories import make_sales_person
from tests.factories import make_user


@pytest.mark.django_db
def test_sales_persons_new_lead_and_customer_are_theirs(firm, users):
    seller = users[Role.SALES_PERSON]
    lead = services.lead_create(firm=firm, actor=seller, company="Najd Logistics")
    customer = services.customer_create(firm=firm, actor=seller, name="Najd Logistics")
    assert lead.assigned_to == seller and customer.owner == seller
    assert scope_for(Lead.objects.all(), user=seller).filter(pk=lead.pk).exists()
    assert scope_for(Customer.objects.all(), user=seller).filter(pk=customer.pk).exists()
    by_manager = services.lead_create(firm=firm, actor=users[Role.SALES_MANAGER],
                                      company="Gulf Foods")
    assert by_manager.assigned_to is None  # managers assign explicitly


@pytest.mark.django_db
def test_sales_person_runs_campaigns_under_their_own_name_only(firm, users):
    seller = users[Role.SALES_PERSON]
    own = make_sales_person(firm, user=seller)
    other = make_sales_person(firm, user=make_user(firm=firm, role=Role.SALES_PERSON,
                                                   username="other-seller"))
    fields = {"title": "Spring", "platform": "instagram", "type": "social",
              "budget": Decimal("100")}
    assert services.campaign_create(firm=firm, actor=seller, sales_person=own,
                                    **fields).sales_person == own
    with pytest.raises(ValidationError):
        services.campaign_create(firm=firm, actor=seller, sales_person=other, **fields)
    assert services.campaign_create(firm=firm, actor=users[Role.SALES_MANAGER],
                                    sales_person=other, **fields).sales_person == other
