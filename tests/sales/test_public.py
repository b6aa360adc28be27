"""The customer's page /q/<signed>/ (business-rules §5): no login, viewed once with the owner told
once, accept (the lead becomes won) and reject with a reason, CSRF, 404 for bad links."""

import datetime

import pytest
from django.core import signing
from django.test import Client

import sales.receivers  # registers quotes with crm's activities (until SalesConfig.ready)
from core import services as core_services
from core.models import DocumentEvent
from crm.choices import LeadStatus
from crm.models import Lead, Notification
from sales.choices import QuoteStatus
from sales.models import Quote
from sales.services import sending
from tests.crm.factories import make_customer, make_lead
from tests.sales.factories import quote_in

assert sales.receivers


def page_url(quote, language="en", action=""):
    value = sending.quote_public_value(quote=quote, language=language)
    return f"/q/{value}/{action + '/' if action else ''}"


def status_of(quote) -> str:
    return Quote.objects.get(pk=quote.pk).status


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def sent(firm, admin_user):
    customer = make_customer(firm, name="Gulf Build LLC", name_ar="شركة الخليج للبناء")
    return quote_in(firm, QuoteStatus.SENT, customer=customer, owner=admin_user)


def notices(user, quote):
    return Notification.objects.filter(user=user, entity_type="quote", entity_id=quote.pk)


CSRF_SECRET = "k" * 32


def csrf_post(client, url, data=None):
    """Post as a browser does: the form's token matching the CSRF cookie."""
    client.cookies["csrftoken"] = CSRF_SECRET
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": CSRF_SECRET})


@pytest.mark.django_db
class TestPage:
    def test_no_login_needed_and_the_quote_shown(self, client, sent):
        response = client.get(page_url(sent))
        assert response.status_code == 200
        html = response.content.decode()
        assert sent.number in html
        assert "Gulf Build LLC" in html
        assert "2,408.00 SAR" in html
        assert "Line A" in html and "Line B" in html
        assert sent.total_in_words_en in html
        assert 'dir="ltr"' in html and 'lang="en"' in html
        assert 'data-testid="accept"' in html and 'data-testid="reject"' in html
        assert "csrfmiddlewaretoken" in html
        assert response["Cache-Control"].startswith("max-age=0")
        assert response["Referrer-Policy"] == "same-origin"

    def test_arabic_when_sent_in_arabic_or_asked(self, client, sent):
        for url in [page_url(sent, "ar"), page_url(sent, "en") + "?lang=ar"]:
            response = client.get(url)
            html = response.content.decode()
            assert 'dir="rtl"' in html and 'lang="ar"' in html, url
            assert "شركة الخليج للبناء" in html
            assert sent.total_in_words in html
            assert "bootstrap.rtl.min.css" in html
            assert response["Content-Language"] == "ar"
        english = client.get(page_url(sent, "ar") + "?lang=en").content.decode()
        assert 'dir="ltr"' in english

    def test_pdf_download(self, client, sent):
        response = client.get(page_url(sent, action="pdf"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{sent.number}.pdf"'
        assert response.content.startswith(b"%PDF-")

    @pytest.mark.parametrize("bad", ["nonsense", "a:b:c", "x" * 300])
    def test_bad_links_are_404(self, client, sent, bad):
        for action in ["", "pdf/"]:
            response = client.get(f"/q/{bad}/{action}")
            assert response.status_code == 404
            assert "This link is not valid" in response.content.decode()
        assert status_of(sent) == QuoteStatus.SENT

    def test_tampered_link_is_404(self, client, sent):
        url = page_url(sent)
        value = url.split("/")[2]
        tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
        assert client.get(f"/q/{tampered}/").status_code == 404
        forged = signing.dumps({"t": sent.public_token, "l": "en", "e": "2999-12-31"},
                               salt="wrong")
        assert client.get(f"/q/{forged}/").status_code == 404
        assert status_of(sent) == QuoteStatus.SENT

    def test_expired_link_is_404(self, client, sent, firm):
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=sent.pk).update(
            quote_date=today - datetime.timedelta(days=90),
            valid_until=today - datetime.timedelta(days=sending.LINK_GRACE_DAYS + 1))
        sent.refresh_from_db()
        assert client.get(page_url(sent)).status_code == 404
        assert status_of(sent) == QuoteStatus.SENT

    @pytest.mark.parametrize("status", ["draft", "pending_approval", "approved", "revised",
                                        "cancelled", "archived"])
    def test_a_quote_not_out_shows_its_state_only(self, client, firm, admin_user, status):
        quote = quote_in(firm, status, owner=admin_user)
        response = client.get(page_url(quote))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="quote-state"' in html
        assert "Line A" not in html and "2,408.00" not in html
        assert 'data-testid="accept"' not in html
        assert client.get(page_url(quote, action="pdf")).status_code == 404
        assert status_of(quote) == status

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "converted"])
    def test_a_decided_quote_shows_its_state_and_no_buttons(self, client, firm, status):
        quote = quote_in(firm, status)
        html = client.get(page_url(quote)).content.decode()
        assert 'data-testid="quote-state"' in html
        assert "2,408.00 SAR" in html
        assert 'data-testid="accept"' not in html and 'data-testid="reject"' not in html
        assert status_of(quote) == status


@pytest.mark.django_db
class TestViewed:
    def test_viewed_once_and_owner_told_once(self, client, sent, admin_user):
        url = page_url(sent)
        client.get(url)
        stored = Quote.objects.get(pk=sent.pk)
        assert stored.status == QuoteStatus.VIEWED
        assert stored.viewed_at is not None
        client.get(url)
        client.get(page_url(sent, "ar"))
        assert Quote.objects.get(pk=sent.pk).viewed_at == stored.viewed_at
        [notice] = notices(admin_user, sent)
        assert notice.title == f"Quote {sent.number} viewed"
        assert notice.title_ar == f"تم فتح عرض السعر {sent.number}"
        assert "Gulf Build LLC" in notice.message and "شركة الخليج للبناء" in notice.message_ar
        events = DocumentEvent.objects.filter(object_id=sent.pk, firm_id=sent.firm_id,
                                              to_status=QuoteStatus.VIEWED)
        assert [(event.actor_id, event.from_status) for event in events] == [(None, "sent")]

    def test_the_firms_own_staff_do_not_count(self, sent, admin_user):
        staff = Client()
        staff.force_login(admin_user)
        assert staff.get(page_url(sent)).status_code == 200
        assert status_of(sent) == QuoteStatus.SENT
        assert not notices(admin_user, sent).exists()

    def test_other_firms_quote_unaffected(self, client, sent, other_firm):
        theirs = quote_in(other_firm, QuoteStatus.SENT)
        client.get(page_url(sent))
        assert status_of(theirs) == QuoteStatus.SENT
        assert status_of(sent) == QuoteStatus.VIEWED


@pytest.mark.django_db
class TestAccept:
    def test_accepted_and_the_lead_won(self, client, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.PROPOSAL, assigned_to=admin_user)
        quote = quote_in(firm, QuoteStatus.SENT, lead=lead, owner=admin_user)
        response = csrf_post(client, page_url(quote, action="accept"))
        assert response.status_code == 302
        assert response["Location"].startswith("/q/")
        assert response["Location"].endswith("/?lang=en")
        stored = Quote.objects.get(pk=quote.pk)
        assert stored.status == QuoteStatus.ACCEPTED
        assert stored.accepted_at is not None
        won = Lead.objects.get(pk=lead.pk)
        assert won.status == LeadStatus.WON
        assert stored.customer_id == won.customer_id is not None
        assert notices(admin_user, quote).filter(
            title=f"Quote {quote.number} accepted").count() == 1
        page = client.get(response["Location"]).content.decode()
        assert 'data-testid="accept"' not in page and "You accepted this quote" in page

    def test_accept_after_viewing(self, client, sent):
        client.get(page_url(sent))
        csrf_post(client, page_url(sent, action="accept"))
        assert status_of(sent) == QuoteStatus.ACCEPTED

    def test_without_csrf_refused(self, client, sent):
        response = client.post(page_url(sent, action="accept"))
        assert response.status_code == 403
        assert status_of(sent) == QuoteStatus.SENT

    def test_get_is_not_allowed(self, client, sent):
        assert client.get(page_url(sent, action="accept")).status_code == 405
        assert status_of(sent) == QuoteStatus.SENT

    @pytest.mark.parametrize("status", ["accepted", "rejected", "expired", "draft"])
    def test_not_open_changes_nothing(self, client, firm, status):
        quote = quote_in(firm, status)
        response = csrf_post(client, page_url(quote, action="accept"))
        assert response.status_code == 302
        assert status_of(quote) == status

    def test_past_valid_until_is_not_accepted(self, client, sent, firm):
        today = core_services.firm_today(firm=firm)
        Quote.objects.filter(pk=sent.pk).update(
            quote_date=today - datetime.timedelta(days=10),
            valid_until=today - datetime.timedelta(days=1))
        sent.refresh_from_db()
        html = client.get(page_url(sent)).content.decode()
        assert "This quote has expired" in html and 'data-testid="accept"' not in html
        csrf_post(client, page_url(sent, action="accept"))
        assert status_of(sent) == QuoteStatus.VIEWED

    def test_tampered_accept_is_404(self, client, sent):
        assert csrf_post(client, "/q/nonsense/accept/").status_code == 404
        assert csrf_post(client, "/q/nonsense/reject/", {"reason": "x"}).status_code == 404
        assert status_of(sent) == QuoteStatus.SENT


@pytest.mark.django_db
class TestReject:
    def test_rejected_with_the_reason(self, client, sent, admin_user):
        response = csrf_post(client, page_url(sent, action="reject"),
                             {"reason": "Too expensive for us."})
        assert response.status_code == 302
        stored = Quote.objects.get(pk=sent.pk)
        assert stored.status == QuoteStatus.REJECTED
        assert stored.rejection_reason == "Too expensive for us."
        [notice] = notices(admin_user, sent).filter(title__contains="rejected")
        assert "Too expensive for us." in notice.message
        event = DocumentEvent.objects.get(object_id=sent.pk, firm_id=sent.firm_id,
                                          to_status=QuoteStatus.REJECTED)
        assert (event.actor_id, event.reason) == (None, "Too expensive for us.")

    def test_a_reason_is_needed(self, client, sent):
        response = csrf_post(client, page_url(sent, action="reject"), {"reason": "   "})
        assert response.status_code == 400
        assert 'data-testid="reason-error"' in response.content.decode()
        assert status_of(sent) == QuoteStatus.SENT

    def test_a_too_long_reason(self, client, sent):
        response = csrf_post(client, page_url(sent, action="reject"),
                             {"reason": "x" * (sending.REASON_MAX_LENGTH + 1)})
        assert response.status_code == 400
        assert status_of(sent) == QuoteStatus.SENT

    def test_without_csrf_refused(self, client, sent):
        response = client.post(page_url(sent, action="reject"), {"reason": "No"})
        assert response.status_code == 403
        assert status_of(sent) == QuoteStatus.SENT
