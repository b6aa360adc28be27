"""Invoice and credit note staff pages: the page contract, the detail (header, totals, amount
due, actions by status and role), posting and cancelling, payments through the page with
exact amounts (an over-payment refused beside the field), voiding, "invoice this order" with
chosen quantities, the credit note form, refunds against a credit note, PDFs, tenancy and
CSRF."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.choices import Role
from core.models import DocumentEvent
from sales.invoicing.choices import CreditNoteStatus, InvoiceStatus
from sales.invoicing.models import CreditNote, Invoice, Payment, Refund
from sales.orders.models import SalesOrder
from tests.contracts.pages import PagesContract
from tests.sales.factories import (
    confirmed_order,
    credit_note,
    draft_invoice,
    invoice_in,
    lines_of,
    overpaid_credit_note,
    pay,
    posted_invoice,
    refund,
    set_quantities,
)

D = Decimal
S = InvoiceStatus
VIEW_ROLES = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
MONEY_ROLES = {Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE}


def page(action: str, *args) -> str:
    return reverse(f"sales:invoice_{action}", args=args)


def note_page(action: str, *args) -> str:
    return reverse(f"sales:creditnote_{action}", args=args)


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def sellers_invoice(firm, seller) -> Invoice:
    """A posted invoice of an order the seller entered (in their scope)."""
    return posted_invoice(firm, order=confirmed_order(firm, actor=seller))


def payment_data(amount: str, **extra) -> dict:
    return {"payment-amount": amount, "payment-method": "bank_transfer", **{
        f"payment-{name}": value for name, value in extra.items()}}


class _NoUpdatePage:
    """Invoices and credit notes are made by their services and never edited as a whole:
    there is a create page but no update page."""

    has_update_page = False

    def guarded_pages(self, pk) -> list[str]:
        return [self.page("detail", pk), self.page("pdf", pk),
                self.page("transition", pk, "post")]


class TestInvoicePages(_NoUpdatePage, PagesContract):
    model = Invoice
    view_roles = VIEW_ROLES
    change_roles = MONEY_ROLES

    def make(self, firm, **overrides):
        return draft_invoice(firm, **overrides)

    def form_data(self, firm):
        return {"order": confirmed_order(firm).pk}

    def make_for(self, firm, user):
        # A seller reaches the invoices of the orders they entered (the role scope).
        return draft_invoice(firm, order=confirmed_order(firm, actor=user))


class TestCreditNotePages(_NoUpdatePage, PagesContract):
    model = CreditNote
    view_roles = VIEW_ROLES
    change_roles = MONEY_ROLES

    def make(self, firm, **overrides):
        return credit_note(invoice_in(firm, S.POSTED))

    def form_data(self, firm):
        invoice = invoice_in(firm, S.POSTED)
        line = lines_of(invoice)[0]
        return {"invoice": invoice.pk, "reason": "Damaged on arrival",
                f"line_{line.pk}": "1"}

    def make_for(self, firm, user):
        return credit_note(sellers_invoice(firm, user))


@pytest.mark.django_db
class TestInvoiceDetail:
    def test_header_totals_and_actions_of_a_draft(self, client, admin_user, firm):
        invoice = draft_invoice(firm)
        client.force_login(admin_user)
        response = client.get(page("detail", invoice.pk))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="total">2,408.00 SAR' in html
        assert 'data-testid="amount-due">2,408.00' in html
        assert reverse("sales:salesorder_detail", args=[invoice.order_id]) in html
        assert [button["name"] for button in response.context["transition_buttons"]] == [
            "post", "cancel"]
        assert response.context["payment_form"] is None  # a draft takes no money
        for language in ("en", "ar", "both"):
            assert f'{page("pdf", invoice.pk)}?language={language}' in html

    @pytest.mark.parametrize(("status", "actions", "pays"), [
        (S.DRAFT, ["post", "cancel"], False), (S.POSTED, ["cancel"], True),
        (S.PARTIALLY_PAID, [], True), (S.PAID, [], False), (S.CANCELLED, [], False)])
    def test_actions_by_status(self, client, admin_user, firm, status, actions, pays):
        invoice = invoice_in(firm, status)
        client.force_login(admin_user)
        response = client.get(page("detail", invoice.pk))
        assert [button["name"] for button in response.context["transition_buttons"]] == actions
        assert (response.context["payment_form"] is not None) is pays

    @pytest.mark.parametrize("role", [Role.SALES_PERSON])
    def test_a_seller_sees_no_money_buttons(self, client, users, firm, role):
        user = users[role]
        invoice = sellers_invoice(firm, user)
        client.force_login(user)
        response = client.get(page("detail", invoice.pk))
        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["transition_buttons"] == []
        assert response.context["payment_form"] is None
        assert response.context["credit_note_url"] is None
        for testid in ("transition-cancel", "record-payment", "create-credit-note"):
            assert f'data-testid="{testid}"' not in html
        # ...and the doors stay shut when knocked on directly.
        assert client.post(page("payment", invoice.pk), payment_data("10")).status_code == 403
        assert client.post(page("transition", invoice.pk, "cancel"),
                           {"reason": "x"}).status_code == 403
        assert fresh(invoice).amount_paid == 0 and fresh(invoice).status == S.POSTED

    def test_warehouse_cannot_open_invoices(self, client, users, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(users[Role.WAREHOUSE])
        assert client.get(page("detail", invoice.pk)).status_code == 403
        assert client.get(page("pdf", invoice.pk)).status_code == 403
        assert client.post(page("payment", invoice.pk), payment_data("10")).status_code == 403

    def test_finance_sees_the_money_actions(self, client, users, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(users[Role.FINANCE])
        html = client.get(page("detail", invoice.pk)).content.decode()
        for testid in ("transition-cancel", "record-payment", "create-credit-note"):
            assert f'data-testid="{testid}"' in html


@pytest.mark.django_db
class TestPostCancelAndPay:
    def test_post_through_the_page_numbers_the_invoice(self, client, users, firm):
        invoice = draft_invoice(firm)
        client.force_login(users[Role.FINANCE])
        url = page("transition", invoice.pk, "post")
        assert client.get(url).status_code == 200
        assert client.post(url, {}).status_code == 302
        posted = fresh(invoice)
        assert posted.status == S.POSTED and posted.number.startswith("INV-")
        assert SalesOrder.objects.get(pk=invoice.order_id).invoicing_progress == D("100")

    def test_cancel_needs_a_reason(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(admin_user)
        url = page("transition", invoice.pk, "cancel")
        assert client.post(url, {"reason": ""}).status_code == 400
        assert fresh(invoice).status == S.POSTED
        assert client.post(url, {"reason": "Wrong customer"}).status_code == 302
        cancelled = fresh(invoice)
        assert (cancelled.status, cancelled.cancellation_reason) == (S.CANCELLED,
                                                                     "Wrong customer")

    def test_cancel_refused_with_money_on_it(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.PARTIALLY_PAID)
        client.force_login(admin_user)
        response = client.post(page("transition", invoice.pk, "cancel"), {"reason": "x"},
                               follow=True)
        assert fresh(invoice).status == S.PARTIALLY_PAID
        assert list(response.context["messages"])

    def test_record_payment_with_exact_amounts(self, client, users, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(users[Role.FINANCE])
        detail = client.get(page("detail", invoice.pk))
        assert detail.context["payment_form"]["amount"].value() == D("2408.00")
        response = client.post(page("payment", invoice.pk), payment_data(
            "1000", payment_date="2026-03-02", reference="TRF-1"))
        assert response.status_code == 302
        paid = fresh(invoice)
        assert (paid.amount_paid, paid.amount_due, paid.status) == (
            D("1000.00"), D("1408.00"), S.PARTIALLY_PAID)
        payment = Payment.objects.get(invoice=invoice)
        assert (payment.amount, str(payment.payment_date), payment.reference,
                payment.recorded_by) == (D("1000.00"), "2026-03-02", "TRF-1",
                                         users[Role.FINANCE])
        html = client.get(page("detail", invoice.pk)).content.decode()
        assert 'data-testid="amount-due">1,408.00' in html
        assert 'data-testid="payment-row"' in html
        # The rest settles it.
        client.post(page("payment", invoice.pk), payment_data("1408.00"))
        assert (fresh(invoice).amount_due, fresh(invoice).status) == (D("0.00"), S.PAID)

    def test_over_payment_shows_the_error_and_records_nothing(self, client, admin_user,
                                                             firm):
        invoice = invoice_in(firm, S.PARTIALLY_PAID)
        client.force_login(admin_user)
        response = client.post(page("payment", invoice.pk), payment_data("1408.01"))
        assert response.status_code == 400
        form = response.context["payment_form"]
        assert "1408.00" in " ".join(form.errors["amount"])
        assert 'class="invalid-feedback d-block"' in response.content.decode()
        assert Payment.objects.filter(invoice=invoice).count() == 1
        unchanged = fresh(invoice)
        assert (unchanged.amount_paid, unchanged.amount_due) == (D("1000.00"), D("1408.00"))

    def test_invalid_payment_form_shows_again(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(admin_user)
        response = client.post(page("payment", invoice.pk), payment_data("-5"))
        assert response.status_code == 400
        assert response.context["payment_form"].errors["amount"]
        assert not Payment.objects.filter(invoice=invoice).exists()

    def test_void_a_payment_with_a_reason(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        payment = pay(invoice, "500")
        client.force_login(admin_user)
        url = page("payment_void", invoice.pk, payment.pk)
        assert url in client.get(page("detail", invoice.pk)).content.decode()
        client.post(url, {"void-reason": ""})
        assert Payment.objects.get(pk=payment.pk).status == "recorded"
        assert client.post(url, {"void-reason": "Bounced"}).status_code == 302
        voided = Payment.objects.get(pk=payment.pk)
        assert (voided.status, voided.void_reason) == ("voided", "Bounced")
        assert (fresh(invoice).amount_due, fresh(invoice).status) == (D("2408.00"), S.POSTED)

    def test_history_shows_the_payment_event(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(admin_user)
        client.post(page("payment", invoice.pk), payment_data("10"))
        timeline = client.get(page("detail", invoice.pk)).context["timeline"]
        assert any(entry["kind"] == "event" and entry["action"] == "payment_recorded"
                   and entry["actor"] == admin_user for entry in timeline)
        assert DocumentEvent.objects.filter(object_id=invoice.pk,
                                            action="payment_recorded").count() == 1

    def test_pdf(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        client.force_login(admin_user)
        response = client.get(page("pdf", invoice.pk), {"language": "ar"})
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")

    def test_csrf_is_required(self, users, firm):
        invoice = invoice_in(firm, S.POSTED)
        client = Client(enforce_csrf_checks=True)
        client.force_login(users[Role.FINANCE])
        assert client.post(page("payment", invoice.pk),
                           payment_data("100")).status_code == 403
        assert client.post(page("transition", invoice.pk, "cancel"),
                           {"reason": "x"}).status_code == 403
        assert fresh(invoice).amount_paid == 0 and fresh(invoice).status == S.POSTED

    def test_list_filters_and_amount_due(self, client, admin_user, firm):
        posted, draft = invoice_in(firm, S.PARTIALLY_PAID), draft_invoice(firm)
        client.force_login(admin_user)
        response = client.get(page("list"), {"status": "partially_paid"})
        html = response.content.decode()
        assert page("detail", posted.pk) in html and page("detail", draft.pk) not in html
        assert "1,408.00" in html
        assert reverse("sales-api:invoice-list") in response.context["csv_url"]


@pytest.mark.django_db
class TestInvoiceFromOrder:
    def test_order_page_offers_the_button_to_those_who_may_invoice(self, client, users,
                                                                   firm):
        order = confirmed_order(firm, actor=users[Role.SALES_PERSON])
        url = page("from_order", order.pk)
        client.force_login(users[Role.FINANCE])
        detail = reverse("sales:salesorder_detail", args=[order.pk])
        assert url in client.get(detail).content.decode()
        for role in (Role.SALES_PERSON, Role.WAREHOUSE):
            client.force_login(users[role])
            assert url not in client.get(detail).content.decode()
            assert client.get(url).status_code == 403

    def test_no_button_once_everything_is_invoiced(self, client, admin_user, firm):
        order = confirmed_order(firm)
        draft_invoice(firm, order=order)
        client.force_login(admin_user)
        html = client.get(reverse("sales:salesorder_detail", args=[order.pk])).content.decode()
        assert page("from_order", order.pk) not in html

    def test_creates_a_draft_with_the_chosen_quantities(self, client, admin_user, firm):
        order = confirmed_order(firm)
        line_a, line_b = lines_of(order)
        client.force_login(admin_user)
        response = client.get(page("from_order", order.pk))
        form = response.context["form"]
        assert form[f"line_{line_a.pk}"].value() == D("2")
        response = client.post(page("from_order", order.pk), {
            f"line_{line_a.pk}": "1", f"line_{line_b.pk}": "0", "notes": "First half"})
        invoice = Invoice.objects.get(order=order)
        assert response["Location"] == page("detail", invoice.pk)
        assert invoice.status == S.DRAFT and invoice.notes == "First half"
        assert [(line.order_line_id, line.quantity) for line in lines_of(invoice)] == [
            (line_a.pk, D("1"))]
        # What remains is proposed next time.
        again = client.get(page("from_order", order.pk)).context["form"]
        assert again[f"line_{line_a.pk}"].value() == D("1")

    def test_more_than_remains_is_shown_beside_the_line(self, client, admin_user, firm):
        order = confirmed_order(firm)
        line_a, _line_b = lines_of(order)
        client.force_login(admin_user)
        response = client.post(page("from_order", order.pk), {f"line_{line_a.pk}": "3"})
        assert response.status_code == 400
        assert response.context["form"].errors[f"line_{line_a.pk}"]
        assert not Invoice.objects.filter(order=order).exists()

    def test_delivered_only(self, client, admin_user, firm):
        order = confirmed_order(firm)
        line_a, line_b = lines_of(order)
        set_quantities(order, delivered=[1, 0])
        client.force_login(admin_user)
        form = client.get(page("from_order", order.pk), {"delivered_only": "1"}).context["form"]
        assert form[f"line_{line_a.pk}"].value() == D("1")
        assert form[f"line_{line_b.pk}"].value() == D("0")
        refused = client.post(page("from_order", order.pk), {
            "delivered_only": "on", f"line_{line_a.pk}": "2"})
        assert refused.status_code == 400
        client.post(page("from_order", order.pk), {"delivered_only": "on",
                                                   f"line_{line_a.pk}": "1"})
        invoice = Invoice.objects.get(order=order)
        assert [line.quantity for line in lines_of(invoice)] == [D("1")]

    def test_nothing_chosen_is_an_error(self, client, admin_user, firm):
        order = confirmed_order(firm)
        client.force_login(admin_user)
        response = client.post(page("from_order", order.pk), {})
        assert response.status_code == 400
        assert response.context["form"].non_field_errors()
        assert not Invoice.objects.filter(order=order).exists()

    def test_another_firms_order_is_not_found(self, client, admin_user, other_firm):
        order = confirmed_order(other_firm)
        client.force_login(admin_user)
        assert client.get(page("from_order", order.pk)).status_code == 404
        assert client.post(page("from_order", order.pk), {}).status_code == 404


@pytest.mark.django_db
class TestCreditNotes:
    def test_form_credits_chosen_quantities(self, client, users, firm):
        invoice = invoice_in(firm, S.POSTED)
        _line_a, line_b = lines_of(invoice)
        client.force_login(users[Role.FINANCE])
        detail = client.get(page("detail", invoice.pk)).content.decode()
        form_url = note_page("create") + f"?invoice={invoice.pk}"
        assert form_url in detail
        assert client.get(form_url).status_code == 200
        response = client.post(form_url, {"invoice": invoice.pk, "reason": "Damaged",
                                          "reason_ar": "تالف", f"line_{line_b.pk}": "1"})
        note = CreditNote.objects.get(invoice=invoice)
        assert response["Location"] == note_page("detail", note.pk)
        assert (note.status, note.reason, note.reason_ar) == (CreditNoteStatus.DRAFT,
                                                              "Damaged", "تالف")
        assert [(line.invoice_line_id, line.quantity) for line in note.lines.all()] == [
            (line_b.pk, D("1"))]

    def test_more_than_is_left_is_refused(self, client, admin_user, firm):
        invoice = invoice_in(firm, S.POSTED)
        line_a, _line_b = lines_of(invoice)
        client.force_login(admin_user)
        response = client.post(note_page("create"), {"invoice": invoice.pk, "reason": "x",
                                                     f"line_{line_a.pk}": "3"})
        assert response.status_code == 200
        assert response.context["form"].errors[f"line_{line_a.pk}"]
        assert not CreditNote.objects.exists()

    def test_post_lowers_the_amount_due_and_cancel_needs_a_reason(self, client, admin_user,
                                                                  firm):
        invoice = invoice_in(firm, S.POSTED)
        line_a, line_b = lines_of(invoice)
        first = credit_note(invoice, lines=[{"invoice_line_id": line_b.pk, "quantity": 1}])
        second = credit_note(invoice, lines=[{"invoice_line_id": line_a.pk, "quantity": 1}])
        client.force_login(admin_user)
        detail = client.get(note_page("detail", first.pk))
        assert [button["name"] for button in detail.context["transition_buttons"]] == [
            "post", "cancel"]
        client.post(note_page("transition", first.pk, "post"), {})
        posted = CreditNote.objects.get(pk=first.pk)
        assert posted.status == CreditNoteStatus.POSTED and posted.number.startswith("CN-")
        assert fresh(invoice).amount_due == D("2408.00") - posted.total
        assert client.post(note_page("transition", second.pk, "cancel"),
                           {"reason": ""}).status_code == 400
        client.post(note_page("transition", second.pk, "cancel"), {"reason": "Duplicate"})
        assert CreditNote.objects.get(pk=second.pk).status == CreditNoteStatus.CANCELLED
        again = client.get(note_page("detail", first.pk))
        assert again.context["transition_buttons"] == []
        assert note_page("detail", first.pk) in client.get(
            page("detail", invoice.pk)).content.decode()

    def test_seller_sees_no_buttons_and_may_not_create(self, client, users, firm):
        seller = users[Role.SALES_PERSON]
        invoice = sellers_invoice(firm, seller)
        note = credit_note(invoice)
        client.force_login(seller)
        detail = client.get(note_page("detail", note.pk))
        assert detail.status_code == 200 and detail.context["transition_buttons"] == []
        assert client.post(note_page("transition", note.pk, "post"), {}).status_code == 403
        assert client.get(note_page("create") + f"?invoice={invoice.pk}").status_code == 403
        assert CreditNote.objects.get(pk=note.pk).status == CreditNoteStatus.DRAFT

    def test_pdf_and_other_firm(self, client, admin_user, firm, other_firm):
        note = credit_note(invoice_in(firm, S.POSTED))
        foreign_invoice = invoice_in(other_firm, S.POSTED)
        client.force_login(admin_user)
        response = client.get(note_page("pdf", note.pk), {"language": "both"})
        assert response.content.startswith(b"%PDF-")
        assert client.get(note_page("create"),
                          {"invoice": foreign_invoice.pk}).status_code == 404


# --- refunds -------------------------------------------------------------------------------


def refund_data(amount: str, **extra) -> dict:
    return {"amount": amount, "method": "bank_transfer", **extra}


@pytest.mark.django_db
class TestRefunds:
    def test_the_button_only_while_something_is_refundable(self, client, users, firm):
        note = overpaid_credit_note(firm)  # invoice 115.00 paid, credit note 103.50
        unpaid = overpaid_credit_note(firm, paid=False)
        client.force_login(users[Role.FINANCE])
        detail = client.get(note_page("detail", note.pk))
        html = detail.content.decode()
        assert [button["name"] for button in detail.context["transition_buttons"]] == [
            "refund"]
        assert 'data-testid="transition-refund"' in html
        assert 'data-testid="refundable">103.50' in html
        assert 'data-testid="transition-refund"' not in client.get(
            note_page("detail", unpaid.pk)).content.decode()
        # The form proposes everything refundable.
        form = client.get(note_page("transition", note.pk, "refund"))
        assert form.status_code == 200
        assert form.context["form"]["amount"].value() == D("103.50")
        # Nothing refundable: the form page sends back to the note.
        assert client.get(note_page("transition", unpaid.pk, "refund")).status_code == 302

    @pytest.mark.parametrize("role", [Role.SALES_PERSON])
    def test_hidden_and_refused_without_the_permission(self, client, users, firm, role):
        user = users[role]
        invoice = sellers_invoice(firm, user)
        pay(invoice, "2408")
        note = credit_note(invoice, post=True)
        client.force_login(user)
        detail = client.get(note_page("detail", note.pk))
        assert detail.status_code == 200
        assert detail.context["transition_buttons"] == []
        assert 'data-testid="transition-refund"' not in detail.content.decode()
        assert client.post(note_page("transition", note.pk, "refund"),
                           refund_data("10")).status_code == 403
        assert not Refund.objects.exists()

    def test_record_through_the_page_with_exact_amounts(self, client, users, firm):
        note = overpaid_credit_note(firm)
        client.force_login(users[Role.FINANCE])
        response = client.post(note_page("transition", note.pk, "refund"), refund_data(
            "103.50", date="2026-03-02", reference="RF-9", method="cash"))
        assert response.status_code == 302
        made = Refund.objects.get()
        assert (made.amount, str(made.refund_date), made.method, made.reference,
                made.recorded_by) == (D("103.50"), "2026-03-02", "cash", "RF-9",
                                      users[Role.FINANCE])
        invoice = fresh(note.invoice)
        assert (invoice.amount_refunded, invoice.amount_due, invoice.status) == (
            D("103.50"), D("0.00"), S.PAID)
        detail = client.get(note_page("detail", note.pk))
        html = detail.content.decode()
        assert detail.context["transition_buttons"] == []  # nothing left to refund
        assert 'data-testid="amount-refunded">103.50' in html
        assert 'data-testid="refund-row"' in html
        invoice_html = client.get(page("detail", invoice.pk)).content.decode()
        assert 'data-testid="refund-row"' in invoice_html
        assert 'data-testid="amount-refunded">103.50' in invoice_html
        assert 'data-testid="amount-due">0.00' in invoice_html

    def test_too_much_shows_the_error_beside_the_amount(self, client, admin_user, firm):
        note = overpaid_credit_note(firm)
        client.force_login(admin_user)
        response = client.post(note_page("transition", note.pk, "refund"),
                               refund_data("103.51"))
        assert response.status_code == 400
        assert "103.50" in " ".join(response.context["form"].errors["amount"])
        assert not Refund.objects.exists()
        invalid = client.post(note_page("transition", note.pk, "refund"), refund_data("-1"))
        assert invalid.status_code == 400 and invalid.context["form"].errors["amount"]

    def test_void_with_a_reason_restores_the_button(self, client, admin_user, firm):
        note = overpaid_credit_note(firm)
        made = refund(note, "103.50")
        client.force_login(admin_user)
        url = note_page("refund_void", note.pk, made.pk)
        assert url in client.get(note_page("detail", note.pk)).content.decode()
        client.post(url, {"void-reason": ""})
        assert Refund.objects.get(pk=made.pk).status == "recorded"
        assert client.post(url, {"void-reason": "Bank returned it"}).status_code == 302
        assert Refund.objects.get(pk=made.pk).status == "voided"
        detail = client.get(note_page("detail", note.pk))
        assert [button["name"] for button in detail.context["transition_buttons"]] == [
            "refund"]

    def test_csrf_form_post(self, users, firm):
        note = overpaid_credit_note(firm)
        client = Client(enforce_csrf_checks=True)
        client.force_login(users[Role.FINANCE])
        url = note_page("transition", note.pk, "refund")
        assert client.post(url, refund_data("10")).status_code == 403
        assert not Refund.objects.exists()
        form = client.get(url)
        token = form.context["csrf_token"]
        assert client.post(url, {**refund_data("10"), "csrfmiddlewaretoken": str(token)}
                           ).status_code == 302
        assert Refund.objects.get().amount == D("10.00")

    def test_another_firms_credit_note_is_not_found(self, client, admin_user, other_firm):
        foreign = overpaid_credit_note(other_firm)
        client.force_login(admin_user)
        assert client.post(note_page("transition", foreign.pk, "refund"),
                           refund_data("1")).status_code == 404
        assert not Refund.objects.exists()
