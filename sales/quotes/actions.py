"""What a user can do to a quote, declared once: the staff page, the API and the admin are built
from this (architecture §5.13). Converting an accepted quote is the orders' and invoicing's
(`quotes/:id/convert`, "Create sales order"), and the API's generic
`POST /quotes/:id/transition {"status"}` stays beside these actions (docs/api.md)."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from core.i18n import lazy_format
from core.kit.actions import DocumentAction, DocumentActions
from sales.quotes import services
from sales.quotes.api.serializers import QuoteSendSerializer
from sales.quotes.models import Quote
from sales.quotes.services.sending import quote_send

CHANGE = "sales.change_quote"
TARGETS = services.QUOTE_ACTION_TARGETS


def _move(name: str, label, **options) -> DocumentAction:
    """An action that is one move of the state machine: quote_transition to its status."""
    target = TARGETS[name]
    return DocumentAction(name, label, partial(services.quote_transition, target=target),
                          CHANGE, target=target, **options)


QUOTE_ACTIONS = DocumentActions(
    model=Quote, document_argument="quote", available=services.quote_available_actions,
    actions=[
        _move("submit", _("Submit for approval"), route=False,
              bulk_label=_("Submit for approval")),
        DocumentAction("approve", _("Approve"), services.quote_approve, "sales.approve_quote",
                       style="success", target=TARGETS["approve"],
                       message=_("Quote approved"),
                       help_text=_("Approve a quote pending approval (the quote's approvers "
                                   "only).")),
        # The staff page has a page of its own for it (recipients, language, message), and
        # the API's handler adds the request's address for the customer's link.
        DocumentAction("send", _("Send"), quote_send, CHANGE, reason="none",
                       serializer=QuoteSendSerializer, message=_("Quote sent"),
                       help_text=_("E-mail the quote (PDF and the customer's signed link): "
                                   "draft or approved → sent (a quote needing approval is "
                                   "refused, 409); a sent or viewed one is e-mailed again.")),
        _move("mark_sent", _("Mark sent"), route=False),
        _move("mark_viewed", _("Mark viewed"), style="outline-primary", route=False),
        _move("accept", _("Accept"), style="success", message=_("Quote accepted"),
              help_text=_("The customer accepted the quote (sent or viewed); its lead is "
                          "won.")),
        _move("reject", _("Reject"), reason="required", style="outline-danger", route=False),
        _move("expire", _("Mark expired"), style="outline-secondary", route=False),
        DocumentAction("revise", _("Revise (new version)"), services.quote_revise, CHANGE,
                       style="outline-primary", target=TARGETS["revise"],
                       message=lambda quote: lazy_format(_("Quote revised: version %(version)s"),
                                                         version=quote.version),
                       help_text=_("Archive the current version and reopen the quote as the "
                                   "next version's draft.")),
        _move("archive", _("Archive"), style="outline-secondary", route=False,
              bulk_label=_("Archive")),
        _move("redraft", _("Back to draft"), style="outline-secondary", route=False),
        _move("cancel", _("Cancel quote"), style="outline-danger", route=False,
              bulk_label=_("Cancel quote")),
    ])
