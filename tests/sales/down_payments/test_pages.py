"""Down payment staff pages: the page contract, the detail's amounts and action forms (apply
to a chosen invoice, refund, record payment, cancel) and drafts-only edits."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.choices import Role
from sales.down_payments.models import DownPayment
from sales.invoicing.models import Invoice
from tests.contracts.pages import PagesContract
from tests.sales.factories import (
    confirmed_order,
    make_down_payment,
    paid_down_payment,
    posted_invoice,
)

D = Decimal


def page(action: str, *args) -> str:
    return reverse(f"sales:downpayment_{action}", args=args)


class TestDownPaymentPages(PagesContract):
    model = DownPayment
    factory = make_down_payment
    view_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
    change_roles = {Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE}

    def form_data(self, firm):
        return {"sales_order": confirmed_order(firm, total="3600").pk, "type": "percentage",
                "percentage_value": "10", "vat_rate": "15"}

    def make_for(self, firm, user):
        # A seller reaches the down payments they entered (the role scope).
        return self.make(firm, actor=user)


@pytest.mark.django_db
class TestDetailAndActions:
    def test_detail_shows_amounts_and_the_actions_its_status_allows(self, client, admin_user,
                                                                    firm):
        advance = make_down_payment(firm, fixed_amount=D("1150"))
        client.force_login(admin_user)
        html = client.get(page("detail", advance.pk)).content.decode()
        assert 'data-testid="amount-excluding-vat">1,000.00' in html or \
            'data-testid="amount-excluding-vat">1000.00' in html
        assert 'data-testid="action-generate-invoice"' in html
        assert 'data-testid="action-cancel"' in html
        assert 'data-testid="action-apply"' not in html
        assert 'data-testid="edit"' in html

    def test_generate_then_record_payment_through_the_forms(self, client, admin_user, firm):
        advance = make_down_payment(firm, fixed_amount=D("500"))
        client.force_login(admin_user)
        response = client.post(page("action", advance.pk, "generate-invoice"),
                               {"generate_invoice-reason": "signed"})
        assert response.status_code == 302
        assert DownPayment.objects.get(pk=advance.pk).status == "pending"
        response = client.post(page("action", advance.pk, "record-payment"), {
            "record_payment-paid_date": "2026-04-01", "record_payment-method": "cash",
            "record_payment-reference": "CASH-1"})
        assert response.status_code == 302
        advance = DownPayment.objects.get(pk=advance.pk)
        assert (advance.status, advance.payment_method, advance.payment_reference) == (
            "paid", "cash", "CASH-1")
        html = client.get(page("detail", advance.pk)).content.decode()
        assert 'data-testid="edit"' not in html

    def test_apply_form_offers_the_customers_open_invoices_and_applies(self, client,
                                                                       admin_user, firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("1000"))
        invoice = posted_invoice(firm, order=order)
        # another customer's
        other = posted_invoice(firm, order=confirmed_order(firm, total="3600"))
        client.force_login(admin_user)
        response = client.get(page("detail", advance.pk))
        form = next(action["form"] for action in response.context["actions"]
                    if action["name"] == "apply")
        assert list(form.fields["invoice"].queryset) == [invoice]
        assert other not in form.fields["invoice"].queryset
        assert form.fields["amount"].initial == D("1000.00")
        response = client.post(page("action", advance.pk, "apply"),
                               {"apply-invoice": invoice.pk, "apply-amount": "400"})
        assert response.status_code == 302
        assert Invoice.objects.get(pk=invoice.pk).amount_due == D("3200.00")
        detail = client.get(page("detail", advance.pk))
        assert 'data-testid="application-row"' in detail.content.decode()
        assert DownPayment.objects.get(pk=advance.pk).status == "partially_applied"

    def test_apply_refused_by_the_service_comes_back_as_a_message(self, client, admin_user,
                                                                 firm):
        order = confirmed_order(firm, total="3600")
        advance = paid_down_payment(firm, source=order, fixed_amount=D("100"))
        invoice = posted_invoice(firm, order=order)
        client.force_login(admin_user)
        response = client.post(page("action", advance.pk, "apply"),
                               {"apply-invoice": invoice.pk, "apply-amount": "100.01"},
                               follow=True)
        messages = [str(message) for message in response.context["messages"]]
        assert any("100.00" in message for message in messages), messages
        assert DownPayment.objects.get(pk=advance.pk).applied_amount == 0

    def test_invalid_action_form_shows_again(self, client, admin_user, firm):
        advance = paid_down_payment(firm)
        client.force_login(admin_user)
        response = client.post(page("action", advance.pk, "refund"), {"refund-amount": "5"})
        assert response.status_code == 400
        assert response.context["open_action"] == "refund"
        assert DownPayment.objects.get(pk=advance.pk).refunded_amount == 0

    def test_refund_and_cancel_through_the_forms(self, client, admin_user, firm):
        advance = paid_down_payment(firm, fixed_amount=D("300"))
        draft = make_down_payment(firm)
        client.force_login(admin_user)
        client.post(page("action", advance.pk, "refund"), {
            "refund-amount": "300", "refund-reason": "order cancelled",
            "refund-method": "bank_transfer"})
        assert DownPayment.objects.get(pk=advance.pk).status == "refunded"
        client.post(page("action", draft.pk, "cancel"), {"cancel-reason": "duplicate"})
        assert DownPayment.objects.get(pk=draft.pk).status == "cancelled"

    def test_an_action_its_status_does_not_allow_is_refused(self, client, admin_user, firm):
        advance = make_down_payment(firm)
        client.force_login(admin_user)
        response = client.post(page("action", advance.pk, "record-payment"),
                               {"record_payment-method": "cash"}, follow=True)
        assert DownPayment.objects.get(pk=advance.pk).status == "draft"
        assert list(response.context["messages"])

    def test_a_seller_may_not_act(self, client, users, firm):
        advance = make_down_payment(firm, actor=users[Role.SALES_PERSON])
        client.force_login(users[Role.SALES_PERSON])
        response = client.post(page("action", advance.pk, "cancel"), {})
        assert response.status_code == 403
        assert DownPayment.objects.get(pk=advance.pk).status == "draft"

    def test_edit_form_of_a_draft_and_delete(self, client, admin_user, firm):
        advance = make_down_payment(firm, percentage_value=D("10"))
        client.force_login(admin_user)
        response = client.post(page("update", advance.pk), {
            "type": "fixed_amount", "fixed_amount": "230", "vat_rate": "15"})
        assert response.status_code == 302, response.content.decode()[:2000]
        advance = DownPayment.objects.get(pk=advance.pk)
        assert (advance.amount, advance.vat_amount) == (D("230.00"), D("30.00"))
        assert client.post(page("delete", advance.pk)).status_code == 302
        assert not DownPayment.objects.filter(pk=advance.pk).exists()

    def test_form_above_the_total_shows_the_refusal(self, client, admin_user, firm):
        order = confirmed_order(firm, total="1000")
        client.force_login(admin_user)
        response = client.post(page("create"), {"sales_order": order.pk,
                                                "type": "fixed_amount",
                                                "fixed_amount": "1000.01"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert not DownPayment.objects.filter(sales_order=order).exists()
