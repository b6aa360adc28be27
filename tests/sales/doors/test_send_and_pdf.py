"""Sending a quote and its PDF through the API and the staff pages (the services are
sales.quotes.services.sending.quote_send and sales.quotes.documents.quote_pdf)."""

import pytest
from django.core import mail
from django.urls import reverse

from core.choices import Role
from sales.quotes.choices import QuoteStatus
from tests.conftest import client_for
from tests.contracts.api import assert_error
from tests.sales.factories import make_quote, quote_in

PATH = "/api/v1/quotes"


@pytest.mark.django_db
class TestSendApi:
    def test_send_moves_to_sent_and_emails_after_commit(self, api, firm,
                                                         django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"{PATH}/{quote.pk}/send",
                                {"to": ["buyer@example.com"], "language": "en"},
                                format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["quote"]["status"] == "sent"
        assert [message.to for message in mail.outbox] == [["buyer@example.com"]]

    def test_send_refused(self, api, firm, users):
        quote = quote_in(firm, QuoteStatus.ACCEPTED)
        assert_error(api.post(f"{PATH}/{quote.pk}/send", {"to": ["a@example.com"]},
                              format="json"), 409, "invalid_transition")
        error = assert_error(api.post(f"{PATH}/{quote.pk}/send", {"to": ["not-an-address"]},
                                      format="json"), 400, "validation_error")
        assert "to.0" in error["details"]
        assert_error(client_for(users[Role.FINANCE]).post(f"{PATH}/{quote.pk}/send",
                                                          format="json"),
                     403, "permission_denied")

    def test_pdf(self, api, firm, other_firm):
        quote = make_quote(firm)
        response = api.get(f"{PATH}/{quote.pk}/pdf", {"language": "ar"})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert_error(api.get(f"{PATH}/{quote.pk}/pdf", {"language": "fr"}), 400,
                     "validation_error")
        assert_error(api.get(f"{PATH}/{make_quote(other_firm).pk}/pdf"), 404, "not_found")


@pytest.mark.django_db
class TestSendPages:
    def test_send_page(self, client, admin_user, firm, django_capture_on_commit_callbacks):
        quote = make_quote(firm)
        client.force_login(admin_user)
        detail = client.get(reverse("sales:quote_detail", args=[quote.pk]))
        assert detail.context["send_url"] == reverse("sales:quote_send", args=[quote.pk])
        url = reverse("sales:quote_send", args=[quote.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {"to": "nope"}).status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"to": "buyer@example.com", "language": "ar"})
        assert response.status_code == 302
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT and len(mail.outbox) == 1

    def test_pdf_page_and_roles(self, client, users, firm):
        quote = make_quote(firm)
        client.force_login(users[Role.FINANCE])
        response = client.get(reverse("sales:quote_pdf", args=[quote.pk]))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        assert client.get(reverse("sales:quote_send", args=[quote.pk])).status_code == 403
