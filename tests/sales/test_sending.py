"""quote_send (business-rules §5): sent through the state machine, e-mailed after commit with the
PDF and a signed link carrying the token (not the id), follow-up task in 3 days."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError

import sales.receivers  # registers quotes with crm's activities (until SalesConfig.ready)
from core import services as core_services
from core.errors import InvalidTransition
from core.models import DocumentEvent
from crm.choices import ActivityEntity, ActivityType
from crm.models import Activity
from sales.choices import QuoteStatus
from sales.models import Quote
from sales.services import sending
from tests.crm.factories import make_customer, make_lead
from tests.sales.factories import make_quote, quote_in

assert sales.receivers

LINK = re.compile(r"(?:https?://[^/\s]+)?/q/([^/\s]+)/")


def send(quote, actor, callbacks, **kwargs):
    with callbacks(execute=True):
        return sending.quote_send(quote=quote, actor=actor, **kwargs)


def signed_in(body: str) -> str:
    return LINK.search(body).group(1)


@pytest.mark.django_db
class TestSend:
    def test_sent_emailed_with_pdf_and_link(self, firm, admin_user,
                                            django_capture_on_commit_callbacks):
        customer = make_customer(firm, email="buyer@gulf.example")
        quote = make_quote(firm, customer=customer, owner=admin_user)
        sent = send(quote, admin_user, django_capture_on_commit_callbacks, language="en",
                    message="As discussed on the phone.", origin="https://erp.example.com")
        stored = Quote.objects.get(pk=quote.pk)
        assert sent.status == stored.status == QuoteStatus.SENT
        assert stored.sent_at is not None
        [email] = mail.outbox
        assert email.to == ["buyer@gulf.example"]
        assert email.subject == f"Quotation {quote.number} from {firm.name}"
        assert "As discussed on the phone." in email.body
        assert "2,408.00 SAR" in email.body
        [(filename, content, mimetype)] = email.attachments
        assert (filename, mimetype) == (f"{quote.number}.pdf", "application/pdf")
        assert content.startswith(b"%PDF-")
        assert "https://erp.example.com/q/" in email.body
        value = signed_in(email.body)
        payload = signing.loads(value, salt=sending.SALT)
        assert payload["t"] == stored.public_token
        assert set(payload) == {"t", "l", "e"}
        assert sending.quote_public_resolve(signed=value).quote.pk == quote.pk

    def test_arabic_email(self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks, language="ar")
        [email] = mail.outbox
        assert email.subject == f"عرض سعر رقم {quote.number} من {firm.name_ar}"
        assert "تجدون مرفقًا عرض السعر" in email.body
        assert "Please find attached" not in email.body
        assert sending.quote_public_resolve(signed=signed_in(email.body)).language == "ar"

    def test_language_defaults_to_the_firms_document_language(
            self, firm, admin_user, django_capture_on_commit_callbacks):
        core_services.settings_update(firm=firm, changes={"documents": {
            "default_language": "both"}}, actor=admin_user)
        send(make_quote(firm), admin_user, django_capture_on_commit_callbacks)
        [email] = mail.outbox
        assert "Please find attached" in email.body and "تجدون مرفقًا" in email.body

    def test_explicit_recipients(self, firm, admin_user, django_capture_on_commit_callbacks):
        send(make_quote(firm), admin_user, django_capture_on_commit_callbacks,
             to=["a@x.example", "b@x.example", "a@x.example"])
        assert mail.outbox[0].to == ["a@x.example", "b@x.example"]

    def test_a_lead_quote_goes_to_the_lead(self, firm, admin_user,
                                           django_capture_on_commit_callbacks):
        lead = make_lead(firm, email="sara@desert.example")
        send(make_quote(firm, lead=lead), admin_user, django_capture_on_commit_callbacks)
        assert mail.outbox[0].to == ["sara@desert.example"]

    def test_follow_up_task_due_in_three_days(self, firm, admin_user,
                                              django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks)
        [task] = Activity.objects.filter(entity_type=ActivityEntity.QUOTE, entity_id=quote.pk)
        assert task.type == ActivityType.TASK
        assert task.due_date == core_services.firm_today(firm=firm) + datetime.timedelta(days=3)
        assert task.subject == f"Follow up on quote {quote.number}"
        assert (task.firm_id, task.performed_by_id) == (firm.pk, admin_user.pk)

    def test_timeline_has_the_send_and_the_email(self, firm, admin_user,
                                                 django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks, to=["x@y.example"])
        actions = list(DocumentEvent.objects.filter(object_id=quote.pk, firm=firm)
                       .values_list("action", "to_status", "actor_id"))
        assert actions[-2:] == [("send", QuoteStatus.SENT, admin_user.pk),
                                ("emailed", "", admin_user.pk)]

    def test_the_email_waits_for_the_commit(self, firm, admin_user,
                                            django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            sending.quote_send(quote=quote, actor=admin_user)
        assert mail.outbox == []
        assert len(callbacks) >= 1

    def test_sending_again_emails_without_a_second_transition(
            self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        send(quote, admin_user, django_capture_on_commit_callbacks)
        Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.VIEWED)
        again = send(quote, admin_user, django_capture_on_commit_callbacks,
                     to=["other@x.example"])
        assert again.status == QuoteStatus.VIEWED
        assert len(mail.outbox) == 2
        assert Activity.objects.filter(entity_id=quote.pk, entity_type="quote").count() == 1


@pytest.mark.django_db
class TestSendRefused:
    def test_a_quote_needing_approval_409(self, firm, admin_user,
                                          django_capture_on_commit_callbacks):
        core_services.settings_update(firm=firm, changes={"quotes": {
            "require_approval": True, "approval_threshold": "1000"}}, actor=admin_user)
        quote = make_quote(firm)
        with pytest.raises(InvalidTransition) as refused:
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert refused.value.status_code == 409
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []
        assert not Activity.objects.filter(entity_type="quote").exists()

    def test_an_approved_quote_is_sent(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        quote = quote_in(firm, QuoteStatus.APPROVED)
        assert send(quote, admin_user, django_capture_on_commit_callbacks).status == "sent"
        assert len(mail.outbox) == 1

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "cancelled",
                                        "pending_approval"])
    def test_other_statuses(self, firm, admin_user, status,
                            django_capture_on_commit_callbacks):
        quote = quote_in(firm, status)
        with pytest.raises(InvalidTransition):
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.get(pk=quote.pk).status == status
        assert mail.outbox == []

    def test_no_address(self, firm, admin_user, django_capture_on_commit_callbacks):
        quote = make_quote(firm, customer=make_customer(firm, email=""))
        with pytest.raises(ValidationError) as refused:
            send(quote, admin_user, django_capture_on_commit_callbacks)
        assert "to" in refused.value.message_dict
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []

    def test_a_bad_address_or_language(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with pytest.raises(ValidationError):
            send(quote, admin_user, django_capture_on_commit_callbacks, to=["not-an-email"])
        with pytest.raises(ValidationError):
            send(quote, admin_user, django_capture_on_commit_callbacks, language="fr")
        assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.DRAFT
        assert mail.outbox == []


@pytest.mark.django_db
class TestLink:
    def test_tampered_and_foreign_values(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        value = sending.quote_public_value(quote=quote, language="en")
        for bad in [value[:-1] + ("A" if value[-1] != "A" else "B"), "nonsense", "",
                    signing.dumps({"t": quote.public_token, "l": "en", "e": "2999-01-01"},
                                  salt="another.salt"),
                    signing.dumps({"id": quote.pk}, salt=sending.SALT)]:
            with pytest.raises(sending.QuoteLinkInvalid):
                sending.quote_public_resolve(signed=bad)

    def test_a_link_ends_after_valid_until_and_the_grace(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=quote.pk).update(
            quote_date=today - datetime.timedelta(days=60),
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS))
        quote.refresh_from_db()
        still = sending.quote_public_value(quote=quote, language="en")
        assert sending.quote_public_resolve(signed=still).quote.pk == quote.pk
        Quote.objects.filter(pk=quote.pk).update(
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS + 1))
        quote.refresh_from_db()
        with pytest.raises(sending.QuoteLinkInvalid):
            sending.quote_public_resolve(
                signed=sending.quote_public_value(quote=quote, language="en"))

    def test_a_new_token_kills_old_links(self, firm):
        quote = quote_in(firm, QuoteStatus.SENT)
        value = sending.quote_public_value(quote=quote, language="en")
        Quote.objects.filter(pk=quote.pk).update(public_token="replaced")
        with pytest.raises(sending.QuoteLinkInvalid):
            sending.quote_public_resolve(signed=value)

    def test_amounts_in_the_email_are_the_quotes(self, firm):
        quote = make_quote(firm, lines=[{"description": "X", "quantity": Decimal("1"),
                                         "unit_price": Decimal("1234.5"),
                                         "tax_rate": Decimal("0")}])
        sending.quote_email_deliver(quote=quote, to=["a@b.example"], message="",
                                    language="en", link="https://x.example/q/v/")
        assert "1,234.50 SAR" in mail.outbox[0].body
