"""sales API: parse, call sales.quotes.services, present (architecture §5.2). Paths and keys per
docs/api.md."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from core.i18n import lazy_format
from core.kit.api import DocumentViewSet
from core.pdf import LANGUAGES
from sales.quotes import services
from sales.quotes.actions import QUOTE_ACTIONS
from sales.quotes.api import serializers as s
from sales.quotes.choices import QuoteStatus
from sales.quotes.filters import QuoteFilter
from sales.quotes.models import Quote, QuoteLine

CHANGE, VIEW = ["sales.change_quote"], ["sales.view_quote"]
QUOTE_ACTION_KEYS = {"calculate": "calculation", "calculate_new": "calculation",
                     "versions": "versions"}
SEND = QUOTE_ACTIONS.get("send")


def _rows(rows: list | None) -> list[dict] | None:
    return None if rows is None else [dict(row) for row in rows]


class QuoteViewSet(DocumentViewSet):
    """Quotes with their lines (`items`). Status moves only through the actions; only drafts
    are edited or deleted (409 otherwise). Lines with a product and no unit price are priced
    by the price resolver, each keeping its trace (business-rules §10)."""

    queryset = Quote.objects.select_related("customer", "lead").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "pk")))
    serializer_class = s.QuoteSerializer
    filterset_class = QuoteFilter
    data_key_plural = "quotes"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number", "quoteDate": "quote_date",
                   "validUntil": "valid_until", "total": "total", "status": "status",
                   "probability": "probability", "updatedAt": "updated_at"}
    default_sort = "-created_at"
    document_actions = QUOTE_ACTIONS
    required_permissions = {
        "calculate": VIEW, "calculate_new": VIEW, "versions": VIEW, "transition": CHANGE,
        "pdf": VIEW, "convert": ["sales.add_salesorder"],
    }

    @property
    def data_key(self) -> str:
        return QUOTE_ACTION_KEYS.get(getattr(self, "action", None), "quote")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        quote = services.quote_create(firm=self.request.user.firm, actor=self.actor,
                                      lines=_rows(data.pop("lines", None)), **data)
        return self.fresh(quote)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        quote = services.quote_update(quote=serializer.instance, actor=self.actor,
                                      lines=_rows(data.pop("lines", None)), **data)
        return self.fresh(quote)

    def perform_destroy(self, instance):
        services.quote_delete(quote=instance, actor=self.actor)

    # --- pricing ------------------------------------------------------------------------

    def _calculation(self, quote: Quote | None, request):
        if quote is not None and not request.data:
            # The stored quote as it would be priced now (lines as stored).
            draft, lines, totals = services.quote_preview(firm=request.user.firm, quote=quote)
        else:
            serializer = s.QuoteSerializer(quote, data=request.data, partial=True,
                                           context={**self.get_serializer_context(),
                                                    "preview": True})
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            draft, lines, totals = services.quote_preview(
                firm=request.user.firm, quote=quote, lines=_rows(data.pop("lines", None)),
                **data)
        calculation = {
            "items": lines, "subtotal": totals.subtotal,
            "discount_amount": totals.document_discount,
            "after_discount": totals.after_discount, "tax_amount": totals.tax_amount,
            "shipping_cost": totals.shipping, "total": totals.total,
            "weighted_value": totals.weighted_value, "total_in_words": totals.total_in_words,
            "total_in_words_en": totals.total_in_words_en, "warnings": draft.warnings,
            "needs_approval": draft.needs_approval,
            "approval_reasons": draft.approval_reasons}
        data = s.QuoteCalculationSerializer(calculation,
                                       context=self.get_serializer_context()).data
        return self.envelope({"calculation": data})

    @extend_schema(request=s.QuoteSerializer, responses=s.QuoteCalculationSerializer)
    @action(detail=True, methods=["post"])
    def calculate(self, request, pk=None):
        """The quote's totals (business-rules §2) as they would be computed now; with a body (any
        quote fields and `items`), the quote so changed — nothing is saved."""
        return self._calculation(self.get_object(), request)

    @extend_schema(request=s.QuoteSerializer, responses=s.QuoteCalculationSerializer,
                   operation_id="quotes_calculate_new")
    @action(detail=False, methods=["post"], url_path="calculate")
    def calculate_new(self, request):
        """A new quote priced (resolver, totals, warnings) without saving it."""
        return self._calculation(None, request)

    # --- state machine: the declared actions (sales.quotes.actions) are routed by the kit;
    # the generic transition and sending are answered here ----------------------------------

    @extend_schema(request=s.QuoteTransitionSerializer, responses=s.QuoteSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the quote to another status (business-rules §5); refused moves answer 409 with the
        allowed ones."""
        payload = self.input_data(s.QuoteTransitionSerializer)
        quote = services.quote_transition(quote=self.get_object(), target=payload["status"],
                                          actor=self.actor, reason=payload["reason"])
        return self.one(self.fresh(quote), message=lazy_format(
            _("Quote moved to %(status)s"), status=QuoteStatus(quote.status).label))

    @extend_schema(request=SEND.serializer, responses=s.QuoteSerializer,
                   summary=str(SEND.label), description=str(SEND.help_text))
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """The declared send action, answered here: the customer's link in the e-mail points
        at the host the caller reached, which only the request knows."""
        payload = self.input_data(SEND.serializer)
        quote = SEND.service(quote=self.get_object(), actor=self.actor,
                             to=payload.get("to") or None, message=payload["message"],
                             language=payload.get("language"),
                             origin=request.build_absolute_uri("/"))
        return self.one(self.fresh(quote), message=SEND.success_message(quote))

    @extend_schema(parameters=[OpenApiParameter("language", str, enum=["en", "ar", "both"])],
                   responses={(200, "application/pdf"): OpenApiResponse(
                       OpenApiTypes.BINARY, description=_("The quote as a PDF file."))})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The quote as a bilingual PDF (`language` en, ar or both; both by default)."""
        from sales.common.documents import pdf_response
        from sales.quotes.documents import quote_pdf

        language = request.query_params.get("language", "both")
        if language not in LANGUAGES:
            raise ValidationError({"language": [_("Choose en, ar or both.")]})
        quote = self.get_object()
        return pdf_response(quote_pdf(quote=quote, language=language), name=quote.number)

    @extend_schema(responses=s.QuoteVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        """The archived versions of the quote, newest first, each a whole snapshot."""
        quote = self.get_object()
        rows = quote.versions.order_by("-version")
        return self.envelope({"versions": s.QuoteVersionSerializer(rows, many=True).data})
