"""sales.receivers: lead → proposal makes one draft quote (business-rules §4), after commit; quotes
are a kind of record activities may be about.

The module is imported here so the tests do not depend on SalesConfig.ready() importing it.
"""

import pytest
from django.core.exceptions import ValidationError

import sales.receivers  # connects the receiver, registers quotes
from core.choices import Role
from crm import services as crm_services
from crm.choices import ActivityEntity, LeadStatus
from crm.models import Activity
from crm.services.activities import ENTITY_MODELS
from sales.choices import QuoteStatus
from sales.models import Quote
from tests.crm.factories import make_lead
from tests.factories import make_user
from tests.sales.factories import quote_in


def walk(lead, targets, actor, callbacks_fixture):
    with callbacks_fixture(execute=True):
        for target in targets:
            lead = crm_services.lead_transition(lead=lead, target=target, actor=actor)
    return lead


@pytest.fixture
def seller(firm):
    return make_user(firm=firm, role=Role.SALES_PERSON, username="seller")


@pytest.mark.django_db
class TestProposalMakesAQuote:
    def test_one_draft_quote_owned_by_the_assignee(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        assert not Quote.objects.exists()
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        [quote] = Quote.objects.all()
        assert (quote.firm_id, quote.lead_id, quote.customer_id) == (firm.pk, lead.pk, None)
        assert quote.status == QuoteStatus.DRAFT
        assert (quote.owner_id, quote.created_by_id) == (seller.pk, admin_user.pk)
        assert quote.lines.count() == 0
        assert quote.total == 0
        assert quote.number.startswith("QT-")
        assert quote.contact_email == lead.email

    def test_only_after_commit(self, firm, admin_user, seller,
                               django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            crm_services.lead_transition(lead=lead, target=LeadStatus.PROPOSAL,
                                         actor=admin_user)
        assert callbacks
        assert not Quote.objects.exists()  # nothing until the lead's change commits
        for callback in callbacks:
            callback()
        assert Quote.objects.filter(lead=lead).count() == 1

    def test_back_from_negotiation_keeps_the_one_quote(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        walk(lead, [LeadStatus.PROPOSAL, LeadStatus.NEGOTIATION, LeadStatus.PROPOSAL],
             admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.filter(lead=lead).count() == 1

    def test_a_lead_with_an_open_quote_gets_none(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        existing = quote_in(firm, QuoteStatus.SENT, lead=lead)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert list(Quote.objects.filter(lead=lead)) == [existing]

    def test_a_closed_quote_does_not_count(
            self, firm, admin_user, seller, django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED, assigned_to=seller)
        old = quote_in(firm, QuoteStatus.REJECTED, lead=lead)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.filter(lead=lead).exclude(pk=old.pk).count() == 1

    def test_other_moves_make_no_quote(self, firm, admin_user,
                                       django_capture_on_commit_callbacks):
        lead = make_lead(firm)
        walk(lead, [LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.NURTURING],
             admin_user, django_capture_on_commit_callbacks)
        assert not Quote.objects.exists()

    def test_unassigned_lead_quote_is_the_actors(self, firm, admin_user,
                                                 django_capture_on_commit_callbacks):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED)
        walk(lead, [LeadStatus.PROPOSAL], admin_user, django_capture_on_commit_callbacks)
        assert Quote.objects.get(lead=lead).owner_id == admin_user.pk

    def test_a_stale_signal_for_a_lead_that_moved_on_makes_none(self, firm, admin_user):
        lead = make_lead(firm, status=LeadStatus.QUALIFIED)
        assert sales.receivers.lead_quote_ensure(lead=lead, actor=admin_user) is None
        assert not Quote.objects.exists()


@pytest.mark.django_db
class TestActivitiesAboutQuotes:
    def test_quotes_are_registered(self):
        assert ENTITY_MODELS[ActivityEntity.QUOTE] is Quote

    def test_an_activity_on_a_quote(self, firm, admin_user):
        quote = quote_in(firm, QuoteStatus.DRAFT)
        activity = crm_services.activity_log(firm=firm, actor=admin_user, type="call",
                                             entity_type="quote", entity_id=quote.pk)
        assert Activity.objects.get(pk=activity.pk).entity_id == quote.pk

    def test_another_firms_quote_is_refused(self, firm, other_firm, admin_user):
        theirs = quote_in(other_firm, QuoteStatus.DRAFT)
        with pytest.raises(ValidationError):
            crm_services.activity_log(firm=firm, actor=admin_user, type="call",
                                      entity_type="quote", entity_id=theirs.pk)
        assert not Activity.objects.exists()
