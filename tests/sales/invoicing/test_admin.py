"""Invoices, payments, refunds and credit notes in the admin: pages open read-only with their
lines, payments and refunds, other firms' rows are out of reach, and the actions go through
the services (post, cancel, void, credit note post/cancel) with refusals reported per row."""

from decimal import Decimal

import pytest
from django.urls import reverse

from sales.invoicing.choices import CreditNoteStatus, InvoiceStatus
from sales.invoicing.models import CreditNote, Invoice, Payment, Refund
from tests.sales.factories import (
    credit_note,
    draft_invoice,
    invoice_in,
    overpaid_credit_note,
    pay,
    refund,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = InvoiceStatus


def admin_url(model: str, action: str, *args) -> str:
    return reverse(f"admin:sales_{model}_{action}", args=args)


def test_changelists_and_change_pages_open_read_only(client, admin_user, firm):
    invoice = invoice_in(firm, S.PARTIALLY_PAID)
    note = credit_note(invoice)
    payment = Payment.objects.get(invoice=invoice)
    client.force_login(admin_user)
    for model, row in (("invoice", invoice), ("creditnote", note), ("payment", payment)):
        assert client.get(admin_url(model, "changelist")).status_code == 200
        change = client.get(admin_url(model, "change", row.pk))
        assert change.status_code == 200
        assert client.get(admin_url(model, "history", row.pk)).status_code == 200
        # Made by the services on the pages and the API, never added here.
        assert client.get(admin_url(model, "add")).status_code == 403
    html = client.get(admin_url("invoice", "change", invoice.pk)).content.decode()
    assert invoice.number in html and "Line A" in html and "1000.00" in html
    # Read-only: a POST changes nothing.
    client.post(admin_url("invoice", "change", invoice.pk), {"notes": "changed"})
    assert Invoice.objects.get(pk=invoice.pk).notes == ""


def test_other_firms_rows_are_hidden(client, admin_user, firm, other_firm):
    mine, foreign = invoice_in(firm, S.POSTED), invoice_in(other_firm, S.POSTED)
    foreign_note = credit_note(foreign)
    client.force_login(admin_user)
    listing = client.get(admin_url("invoice", "changelist")).content.decode()
    # Numbers repeat across firms (INV-…-0001 in each): the rows' links tell them apart.
    assert admin_url("invoice", "change", mine.pk) in listing
    assert admin_url("invoice", "change", foreign.pk) not in listing
    assert client.get(admin_url("invoice", "change", foreign.pk)).status_code in (302, 404)
    assert client.get(admin_url("creditnote", "change", foreign_note.pk)).status_code in (
        302, 404)
    assert client.get(admin_url("invoice", "history", foreign.pk)).status_code in (302, 404)


def test_post_and_cancel_actions_go_through_the_services(client, admin_user, firm):
    draft, paid = draft_invoice(firm), invoice_in(firm, S.PARTIALLY_PAID)
    client.force_login(admin_user)
    changelist = admin_url("invoice", "changelist")
    client.post(changelist, {"action": "post_selected", "_selected_action": [draft.pk]})
    posted = Invoice.objects.get(pk=draft.pk)
    assert posted.status == S.POSTED and posted.number.startswith("INV-")
    assert posted.history.latest().history_user == admin_user
    response = client.post(changelist, {"action": "cancel_selected",
                                        "_selected_action": [draft.pk, paid.pk]}, follow=True)
    assert Invoice.objects.get(pk=draft.pk).status == S.CANCELLED
    assert Invoice.objects.get(pk=paid.pk).status == S.PARTIALLY_PAID  # money on it
    assert any(paid.number in str(message) for message in response.context["messages"])


def test_void_payment_action(client, admin_user, firm):
    invoice = invoice_in(firm, S.POSTED)
    payment = pay(invoice, "408")
    client.force_login(admin_user)
    client.post(admin_url("payment", "changelist"), {"action": "void_payments",
                                                     "_selected_action": [payment.pk]})
    assert Payment.objects.get(pk=payment.pk).status == "voided"
    assert Invoice.objects.get(pk=invoice.pk).amount_due == D("2408.00")


def test_credit_note_actions(client, admin_user, firm):
    invoice = invoice_in(firm, S.POSTED)
    line_a, line_b = invoice.lines.order_by("position")
    first = credit_note(invoice, lines=[{"invoice_line_id": line_b.pk, "quantity": 1}])
    second = credit_note(invoice, lines=[{"invoice_line_id": line_a.pk, "quantity": 1}])
    client.force_login(admin_user)
    changelist = admin_url("creditnote", "changelist")
    client.post(changelist, {"action": "post_selected", "_selected_action": [first.pk]})
    client.post(changelist, {"action": "cancel_selected",
                             "_selected_action": [first.pk, second.pk]})
    assert CreditNote.objects.get(pk=first.pk).status == CreditNoteStatus.POSTED
    assert CreditNote.objects.get(pk=second.pk).status == CreditNoteStatus.CANCELLED


def test_only_staff_reach_the_admin(client, users, firm):
    # Only a firm's admin is staff (core.models.User); finance works on the staff pages.
    draft = draft_invoice(firm)
    for role in ("finance", "sales_person", "warehouse"):
        client.force_login(users[role])
        response = client.get(admin_url("invoice", "changelist"))
        assert response.status_code == 302
        client.post(admin_url("invoice", "changelist"), {"action": "post_selected",
                                                         "_selected_action": [draft.pk]})
    assert Invoice.objects.get(pk=draft.pk).status == S.DRAFT


def test_refunds_inline_on_the_invoice_and_the_credit_note(client, admin_user, firm):
    note = overpaid_credit_note(firm)
    made = refund(note, "103.50", reference="RF-ADMIN")
    client.force_login(admin_user)
    for model, row in (("invoice", note.invoice), ("creditnote", note)):
        html = client.get(admin_url(model, "change", row.pk)).content.decode()
        assert "RF-ADMIN" in html and "103.50" in html
    assert client.get(admin_url("refund", "change", made.pk)).status_code == 200
    assert client.get(admin_url("refund", "add")).status_code == 403
    client.post(admin_url("refund", "changelist"), {"action": "void_refunds",
                                                    "_selected_action": [made.pk]})
    assert Refund.objects.get(pk=made.pk).status == "voided"
    assert Invoice.objects.get(pk=note.invoice_id).amount_refunded == D("0.00")
