"""Deleting leads, customers, cases, pipelines and sales persons: one service per record,
used by the API, the staff pages and the admin. What links to the row without a foreign key
goes with it; a row others still use answers 409 `protected`, naming them, and stays whole."""

import pytest
from django.urls import reverse

from core.choices import Role
from crm import services
from crm.models import (
    Activity,
    Case,
    Customer,
    CustomerAddress,
    Lead,
    LeadTeamMember,
    LeadTransaction,
    Notification,
    Pipeline,
    SalesPerson,
    Stage,
)
from tests.contracts.api import assert_error

from .factories import (
    make_activity,
    make_campaign,
    make_case,
    make_customer,
    make_lead,
    make_notification,
    make_pipeline,
    make_sales_person,
)


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:crm_{model._meta.model_name}_{action}", args=args)


@pytest.fixture
def lead_with_links(firm, users):
    """A lead with an activity, a deal team, a notification about it and a case from it; and
    another lead with its own activity and notification, which must survive."""
    seller = users[Role.SALES_PERSON]
    lead = make_lead(firm, assigned_to=seller)
    services.lead_update(lead=lead, actor=None, team=[{"user": seller}])
    make_activity(firm, entity=lead)
    make_notification(seller, entity_type="lead", entity_id=lead.pk)
    case = make_case(firm, lead=lead)
    other = make_lead(firm)
    kept_activity = make_activity(firm, entity=other)
    kept_notice = make_notification(seller, entity_type="lead", entity_id=other.pk)
    # Same id, another kind of record: not the lead's.
    customer_notice = make_notification(seller, entity_type="customer", entity_id=lead.pk)
    return {"lead": lead, "case": case, "kept": [kept_activity, kept_notice, customer_notice]}


def assert_lead_gone(lead, case, kept, actor):
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Activity.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not Notification.objects.filter(entity_type="lead", entity_id=lead.pk).exists()
    assert not LeadTeamMember.objects.filter(lead_id=lead.pk).exists()
    assert not LeadTransaction.objects.filter(lead_id=lead.pk).exists()
    case.refresh_from_db()
    assert case.lead_id is None  # the legal matter stays for conflict checks
    for row in kept:
        assert type(row).objects.filter(pk=row.pk).exists()
    # The history keeps the lead and says who deleted it.
    last = Lead.history.filter(id=lead.pk).latest("history_id")
    assert last.history_type == "-" and last.history_user_id == getattr(actor, "pk", None)
    deleted_activity = Activity.history.filter(entity_type="lead", entity_id=lead.pk,
                                               history_type="-").get()
    assert deleted_activity.history_user_id == getattr(actor, "pk", None)


@pytest.mark.django_db
class TestLeadDelete:
    def test_service(self, lead_with_links, admin_user):
        services.lead_delete(lead=lead_with_links["lead"], actor=admin_user)
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_api(self, api, lead_with_links, admin_user):
        response = api.delete(f"/api/v1/leads/{lead_with_links['lead'].pk}")
        assert response.status_code == 200, response.content
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_sales_person_may_not_delete(self, lead_with_links, users):
        from tests.conftest import client_for

        lead = lead_with_links["lead"]
        client = client_for(users[Role.SALES_PERSON])
        assert_error(client.delete(f"/api/v1/leads/{lead.pk}"), 403, "permission_denied")
        assert Lead.objects.filter(pk=lead.pk).exists()

    def test_page_confirms_then_deletes(self, client, lead_with_links, admin_user):
        lead = lead_with_links["lead"]
        client.force_login(admin_user)
        detail = client.get(reverse("crm:lead_detail", args=[lead.pk]))
        delete_url = reverse("crm:lead_delete", args=[lead.pk])
        assert detail.context["delete_url"] == delete_url
        assert delete_url in detail.content.decode()
        confirm = client.get(delete_url)
        assert confirm.status_code == 200 and 'data-testid="delete-note"' in \
            confirm.content.decode()
        assert Lead.objects.filter(pk=lead.pk).exists()  # GET only asks
        response = client.post(delete_url)
        assert response["Location"] == reverse("crm:lead_list")
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_page_hides_the_button_from_sellers(self, client, lead_with_links, users):
        lead = lead_with_links["lead"]
        client.force_login(users[Role.SALES_PERSON])
        assert client.get(reverse("crm:lead_detail", args=[lead.pk])).context[
            "delete_url"] is None
        assert client.post(reverse("crm:lead_delete", args=[lead.pk])).status_code == 403
        assert Lead.objects.filter(pk=lead.pk).exists()

    def test_admin(self, client, lead_with_links, admin_user):
        client.force_login(admin_user)
        lead = lead_with_links["lead"]
        response = client.post(admin_url(Lead, "delete", lead.pk), {"post": "yes"})
        assert response.status_code == 302
        assert_lead_gone(**lead_with_links, actor=admin_user)

    def test_other_firms_lead_is_not_found(self, api, other_firm):
        foreign = make_lead(other_firm)
        make_activity(other_firm, entity=foreign)
        assert_error(api.delete(f"/api/v1/leads/{foreign.pk}"), 404, "not_found")
        assert Activity.objects.filter(entity_type="lead", entity_id=foreign.pk).count() == 1


@pytest.mark.django_db
class TestCustomerDelete:
    def test_unused_customer_goes_with_its_rows(self, api, firm, users):
        customer = make_customer(firm, addresses=[{"line1": "Olaya St", "city": "Riyadh"}])
        make_activity(firm, entity=customer)
        make_notification(users[Role.ADMIN], entity_type="customer", entity_id=customer.pk)
        response = api.delete(f"/api/v1/customers/{customer.pk}")
        assert response.status_code == 200, response.content
        assert not Customer.objects.filter(pk=customer.pk).exists()
        assert not CustomerAddress.objects.filter(customer_id=customer.pk).exists()
        assert not Activity.objects.filter(entity_type="customer",
                                           entity_id=customer.pk).exists()
        assert not Notification.objects.filter(entity_type="customer",
                                               entity_id=customer.pk).exists()

    def test_used_customer_is_protected_and_untouched(self, api, firm):
        customer = make_customer(firm)
        make_case(firm, customer=customer)
        make_case(firm, customer=customer)
        activity = make_activity(firm, entity=customer)
        error = assert_error(api.delete(f"/api/v1/customers/{customer.pk}"), 409, "protected")
        assert error["details"] == {"references": {"case": 2}}
        assert "cases: 2" in error["message"]
        assert error["messageAr"] != error["message"]
        # Nothing went: not the customer, not its activity.
        assert Customer.objects.filter(pk=customer.pk).exists()
        assert Activity.objects.filter(pk=activity.pk).exists()
        assert not Customer.history.filter(id=customer.pk, history_type="-").exists()

    def test_page_says_what_uses_it(self, client, firm, admin_user):
        customer = make_customer(firm)
        lead = make_lead(firm, customer=customer)
        client.force_login(admin_user)
        response = client.post(reverse("crm:customer_delete", args=[customer.pk]),
                               follow=True)
        assert Customer.objects.filter(pk=customer.pk).exists()
        texts = [str(message) for message in response.context["messages"]]
        assert any("leads: 1" in text for text in texts), texts
        assert lead.customer_id == customer.pk

    def test_page_and_admin_delete_an_unused_one(self, client, firm, admin_user):
        first, second = make_customer(firm), make_customer(firm)
        client.force_login(admin_user)
        detail = client.get(reverse("crm:customer_detail", args=[first.pk]))
        assert reverse("crm:customer_delete", args=[first.pk]) in detail.content.decode()
        response = client.post(reverse("crm:customer_delete", args=[first.pk]))
        assert response["Location"] == reverse("crm:customer_list")
        client.post(admin_url(Customer, "delete", second.pk), {"post": "yes"})
        assert not Customer.objects.filter(pk__in=[first.pk, second.pk]).exists()


@pytest.mark.django_db
class TestCaseDelete:
    def test_case_goes_with_its_activities(self, api, firm):
        case = make_case(firm)
        make_activity(firm, entity=case)
        response = api.delete(f"/api/v1/cases/{case.pk}")
        assert response.status_code == 200, response.content
        assert not Case.objects.filter(pk=case.pk).exists()
        assert not Activity.objects.filter(entity_type="case", entity_id=case.pk).exists()

    def test_page(self, client, firm, admin_user, users):
        case = make_case(firm)
        client.force_login(users[Role.SALES_PERSON])
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code in (403,
                                                                                        404)
        client.force_login(admin_user)
        assert client.post(reverse("crm:case_delete", args=[case.pk])).status_code == 302
        assert not Case.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
class TestPipelineDelete:
    def test_pipeline_with_leads_is_protected(self, api, firm):
        pipeline = make_pipeline(firm)
        make_lead(firm, pipeline=pipeline)
        make_lead(firm, pipeline=pipeline)
        error = assert_error(api.delete(f"/api/v1/pipelines/{pipeline.pk}"), 409, "protected")
        assert error["details"] == {"references": {"lead": 2}}
        assert "leads: 2" in error["message"]
        assert Stage.objects.filter(pipeline=pipeline).count() == 7

    def test_page_and_admin(self, client, firm, admin_user):
        used, unused, other = make_pipeline(firm), make_pipeline(firm), make_pipeline(firm)
        make_lead(firm, pipeline=used)
        client.force_login(admin_user)
        refused = client.post(reverse("crm:pipeline_delete", args=[used.pk]), follow=True)
        assert any("leads: 1" in str(m) for m in refused.context["messages"])
        assert client.post(reverse("crm:pipeline_delete", args=[unused.pk])).status_code == 302
        client.post(admin_url(Pipeline, "delete", other.pk), {"post": "yes"})
        assert list(Pipeline.objects.filter(firm=firm)) == [used]
        assert not Stage.objects.filter(pipeline_id__in=[unused.pk, other.pk]).exists()


@pytest.mark.django_db
class TestSalesPersonDelete:
    def test_with_campaigns_is_protected_even_deleted_ones(self, api, firm):
        person = make_sales_person(firm)
        campaign = make_campaign(firm, sales_person=person)
        services.campaign_delete(campaign=campaign, actor=None)  # soft: kept for audit
        error = assert_error(api.delete(f"/api/v1/sales-persons/{person.pk}"), 409,
                             "protected")
        assert error["details"] == {"references": {"campaign": 1}}
        assert "campaigns: 1" in error["message"]
        assert SalesPerson.objects.filter(pk=person.pk).exists()

    def test_profile_goes_the_user_stays(self, api, client, firm, admin_user):
        person, other = make_sales_person(firm), make_sales_person(firm)
        assert api.delete(f"/api/v1/sales-persons/{person.pk}").status_code == 200
        assert not SalesPerson.objects.filter(pk=person.pk).exists()
        person.user.refresh_from_db()
        assert person.user.is_active
        client.force_login(admin_user)
        detail = client.get(reverse("crm:salesperson_detail", args=[other.pk]))
        assert reverse("crm:salesperson_delete", args=[other.pk]) in detail.content.decode()
        assert client.post(reverse("crm:salesperson_delete",
                                   args=[other.pk])).status_code == 302
        assert not SalesPerson.objects.filter(pk=other.pk).exists()


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
