"""Case staff pages."""


import pytest
from django.urls import reverse

from core.choices import Role
from crm import services
from crm.models import (
    Case,
)
from tests.contracts.pages import PagesContract
from tests.crm.factories import (
    make_activity,
    make_case,
    make_customer,
    make_lead,
    seller_of,
)
from tests.factories import make_user

SELLERS = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON}


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.fixture
def world(firm, users):
    """The seller's lead, customer and case, and another seller's; activities on each."""
    seller = users[Role.SALES_PERSON]
    other = make_user(firm=firm, role=Role.SALES_PERSON, username="other-seller")
    manager = users[Role.SALES_MANAGER]
    rows = {
        "lead": make_lead(firm, assigned_to=seller),
        "customer": make_customer(firm, owner=seller),
        "other_lead": make_lead(firm, assigned_to=other),
        "other_customer": make_customer(firm, owner=other),
    }
    rows["teamed_lead"] = make_lead(firm, assigned_to=other)

    services.lead_update(lead=rows["teamed_lead"], actor=None, team=[{"user": seller}])
    rows["case_of_customer"] = make_case(firm, customer=rows["customer"])
    rows["case_of_lead"] = make_case(firm, lead=rows["lead"])
    rows["case_opened"] = make_case(firm, actor=seller)  # opened by the seller, no client
    rows["other_case"] = make_case(firm, customer=rows["other_customer"], actor=other)
    activities = {
        "on_lead": make_activity(firm, entity=rows["lead"], actor=manager),
        "on_teamed_lead": make_activity(firm, entity=rows["teamed_lead"], actor=other),
        "on_customer": make_activity(firm, entity=rows["customer"], actor=manager),
        "on_case": make_activity(firm, entity=rows["case_of_customer"], actor=manager),
        "performed": make_activity(firm, entity=rows["other_lead"], actor=seller),
        "on_other_lead": make_activity(firm, entity=rows["other_lead"], actor=other),
        "on_other_customer": make_activity(firm, entity=rows["other_customer"], actor=other),
        "on_other_case": make_activity(firm, entity=rows["other_case"], actor=manager),
    }
    return {"seller": seller, "other": other, "rows": rows, "activities": activities}


SELLER_CASES = {"case_of_customer", "case_of_lead", "case_opened"}



@pytest.mark.django_db
class TestCaseDelete:

    def test_page(self, client, firm, admin_user, users):
        case = make_case(firm)
        client.force_login(users[Role.SALES_PERSON])
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code in (403,
                                                                                        404)
        client.force_login(admin_user)
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code == 302
        assert not Case.objects.filter(pk=case.pk).exists()


class TestCasePages(PagesContract):
    namespace = "crm"
    model = Case
    view_roles = SELLERS
    change_roles = {Role.ADMIN, Role.SALES_MANAGER}

    def make(self, firm, **overrides):
        # The seller's customer's case: in the seller's scope (and their manager's).
        seller = seller_of(firm)
        if seller is not None:
            overrides.setdefault("customer", make_customer(firm, owner=seller.user))
        return make_case(firm, **overrides)

    def form_data(self, firm):
        return {"title": "Lease dispute", "status": "open", "practice_area": "Real estate",
                "related_entities": "Olaya Towers\n\n  Riyadh Holding  ",
                **management("parties", 2), "parties-0-name": "Najd Foods",
                "parties-0-role": "client", "parties-1-name": "", "parties-1-role": ""}

    def test_parties_and_related_entities_are_saved(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        case = Case.objects.get(firm=firm, title="Lease dispute")
        assert case.number
        assert case.parties == [{"name": "Najd Foods", "role": "client"}]
        assert case.related_entities == ["Olaya Towers", "Riyadh Holding"]
        form = client.get(self.page("update", case.pk)).context["form"]
        assert form.initial["related_entities"] == "Olaya Towers\nRiyadh Holding"


@pytest.mark.django_db
class TestCaseScope:

    def test_staff_list_page(self, world, client):
        client.force_login(world["seller"])
        response = client.get(reverse("crm:case_list"))
        assert {row.pk for row in response.context["object_list"]} == {
            world["rows"][name].pk for name in SELLER_CASES}
        other = world["rows"]["other_case"]
        assert client.get(reverse("crm:case_detail", args=[other.pk])).status_code == 404
