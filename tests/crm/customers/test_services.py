"""Customer services: numbering, nested addresses and contacts, tenancy and the default
price list."""


import pytest
from django.core.exceptions import ValidationError

from core.choices import Role
from crm import services
from crm.models import (
    Customer,
    CustomerAddress,
    CustomerContact,
)
from pricing.models import PriceList
from tests.crm.factories import (
    make_customer_group,
    make_territory,
)
from tests.factories import make_user

RIYADH = {"kind": "billing", "line1": "King Fahd Road 1", "city": "Riyadh"}


JEDDAH = {"kind": "shipping", "line1": "Tahlia Street 9", "city": "Jeddah"}


def customer(firm, **fields) -> Customer:
    return services.customer_create(firm=firm, actor=None, **{"name": "Najd Logistics",
                                                               **fields})



# --- the customer's default price list ----------------------------------------------------


@pytest.mark.django_db
class TestDefaultPriceList:

    def test_service_refuses_another_firms_list(self, firm, other_firm):
        from django.core.exceptions import ValidationError

        foreign = PriceList.objects.create(firm=other_firm, code="PL1", name="Theirs")
        with pytest.raises(ValidationError) as raised:
            services.customer_create(firm=firm, actor=None, name="Crossed",
                                     default_price_list=foreign)
        assert set(raised.value.message_dict) == {"default_price_list"}


@pytest.mark.django_db
class TestCustomerCode:
    def test_numbered_when_empty(self, firm, other_firm):
        assert customer(firm).code == "CUS-00001"
        assert customer(firm, code="").code == "CUS-00002"
        assert customer(other_firm).code == "CUS-00001"

    def test_explicit_code_kept_and_unique_per_firm(self, firm, other_firm):
        assert customer(firm, code="VIP-1").code == "VIP-1"
        with pytest.raises(ValidationError) as refused:
            customer(firm, code="VIP-1", name="Someone else")
        assert "code" in refused.value.message_dict
        assert Customer.objects.filter(firm=firm).count() == 1
        assert customer(other_firm, code="VIP-1").code == "VIP-1"

    def test_numbering_skips_a_code_given_by_hand(self, firm):
        customer(firm, code="CUS-00001")
        assert customer(firm).code == "CUS-00002"

    def test_update_to_a_taken_code(self, firm):
        first, second = customer(firm), customer(firm)
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=second, actor=None, code=first.code)
        assert "code" in refused.value.message_dict
        assert Customer.objects.get(pk=second.pk).code == "CUS-00002"

    def test_history_names_the_actor(self, firm, admin_user):
        made = services.customer_create(firm=firm, actor=admin_user, name="Najd")
        assert (made.created_by, made.history.first().history_user) == (admin_user, admin_user)


@pytest.mark.django_db
class TestCustomerChildren:
    def test_created_with_children(self, firm):
        made = customer(firm, addresses=[RIYADH, JEDDAH],
                        contacts=[{"name": "Sara", "is_primary": True}])
        assert [(a.city, a.kind, a.firm_id) for a in made.addresses.order_by("pk")] == [
            ("Riyadh", "billing", firm.pk), ("Jeddah", "shipping", firm.pk)]
        assert [c.name for c in made.contacts.all()] == ["Sara"]

    def test_replace_semantics(self, firm):
        made = customer(firm, addresses=[RIYADH, JEDDAH], contacts=[{"name": "Sara"}])
        riyadh, jeddah = made.addresses.order_by("pk")
        services.customer_update(customer=made, actor=None, addresses=[
            {"id": riyadh.pk, "city": "Riyadh North"},
            {"kind": "shipping", "line1": "Dammam Port", "city": "Dammam"}])
        rows = list(made.addresses.order_by("pk"))
        assert [(a.pk, a.city, a.line1) for a in rows[:1]] == [
            (riyadh.pk, "Riyadh North", "King Fahd Road 1")]
        assert [a.city for a in rows] == ["Riyadh North", "Dammam"]
        assert not CustomerAddress.objects.filter(pk=jeddah.pk).exists()
        # Not given: unchanged. An empty list: all removed.
        assert [c.name for c in made.contacts.all()] == ["Sara"]
        services.customer_update(customer=made, actor=None, contacts=[])
        assert not made.contacts.exists()
        assert made.addresses.count() == 2

    def test_errors_are_named_by_position_and_nothing_is_written(self, firm):
        with pytest.raises(ValidationError) as refused:
            customer(firm, addresses=[RIYADH, {"line1": "No city"}],
                     contacts=[{"name": "Sara"}])
        assert set(refused.value.message_dict) == {"addresses.1.city"}
        assert not Customer.objects.exists()
        assert not CustomerAddress.objects.exists()

        made = customer(firm, addresses=[RIYADH])
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=made, actor=None, name="Renamed",
                                     contacts=[{"name": "A"}, {"name": "B", "email": "bad"}])
        assert set(refused.value.message_dict) == {"contacts.1.email"}
        assert Customer.objects.get(pk=made.pk).name == "Najd Logistics"
        assert not CustomerContact.objects.exists()

    def test_another_customers_child_is_not_taken(self, firm):
        theirs = customer(firm, addresses=[RIYADH])
        mine = customer(firm, addresses=[JEDDAH])
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=mine, actor=None, addresses=[
                {"id": theirs.addresses.get().pk, "city": "Taken"}])
        assert set(refused.value.message_dict) == {"addresses.0.id"}
        assert theirs.addresses.get().city == "Riyadh"
        assert mine.addresses.get().city == "Jeddah"

    @pytest.mark.parametrize("key", ["customer", "customer_id", "firm", "firm_id"])
    def test_a_child_cannot_be_moved(self, firm, other_firm, key):
        theirs = customer(firm)
        mine = customer(firm, addresses=[RIYADH])
        value = {"customer": theirs, "customer_id": theirs.pk, "firm": other_firm,
                 "firm_id": other_firm.pk}[key]
        with pytest.raises(ValidationError) as refused:
            services.customer_update(customer=mine, actor=None, addresses=[
                {"id": mine.addresses.get().pk, key: value}])
        assert set(refused.value.message_dict) == {f"addresses.0.{key}"}
        address = CustomerAddress.objects.get()
        assert (address.customer, address.firm) == (mine, firm)


@pytest.mark.django_db
class TestCustomerTenancy:
    @pytest.mark.parametrize("field", ["customer_group", "territory", "owner"])
    def test_another_firms_reference_is_refused(self, firm, other_firm, field):
        foreign = {"customer_group": lambda: make_customer_group(other_firm),
                   "territory": lambda: make_territory(other_firm),
                   "owner": lambda: make_user(firm=other_firm, role=Role.SALES_PERSON,
                                              username="foreign")}[field]()
        with pytest.raises(ValidationError) as refused:
            customer(firm, **{field: foreign})
        assert set(refused.value.message_dict) == {field}
        assert not Customer.objects.filter(firm=firm).exists()
        made = customer(firm)
        with pytest.raises(ValidationError):
            services.customer_update(customer=made, actor=None, **{field: foreign})
        assert getattr(Customer.objects.get(pk=made.pk), field) is None

    def test_own_firms_references(self, firm, admin_user):
        group, territory = make_customer_group(firm), make_territory(firm)
        made = customer(firm, customer_group=group, territory=territory, owner=admin_user)
        assert (made.customer_group, made.territory, made.owner) == (group, territory,
                                                                     admin_user)
