"""Sales orders API (`sales-orders`): parse, call sales.orders.services,
present (architecture §5.2). Keys `order` / `orders`; document number `orderNumber`.

Stored totals, line amounts, traces, progress, snapshots and approval state are read-only:
the services compute them. Soft-deleted orders (their campaign was deleted) leave the list
and the stats but stay readable by id.

"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action

from core.kit.api import DocumentViewSet
from core.pdf import LANGUAGES
from core.scoping import scope_for
from sales.common.documents import firm_document_language, pdf_response
from sales.orders import services
from sales.orders.actions import ORDER_ACTIONS
from sales.orders.api.serializers import (
    FromQuoteSerializer,
    OrderStatsSerializer,
    SalesOrderSerializer,
)
from sales.orders.documents import order_pdf
from sales.orders.filters import SalesOrderFilter
from sales.orders.models import SalesOrder, SalesOrderLine
from sales.orders.selectors import order_stats
from sales.quotes.models import Quote

CHANGE, VIEW = ["sales.change_salesorder"], ["sales.view_salesorder"]
ACTION_KEYS = {"stats": "stats"}
LANGUAGE = OpenApiParameter("language", str, enum=list(LANGUAGES), required=False,
                            description="en, ar or both (default: the firm's documents "
                                        "language)")


class SalesOrderViewSet(DocumentViewSet):
    """Sales orders with their lines (`items`). Only drafts are edited or deleted (409
    otherwise); status moves through the actions only (business-rules §6). Lines with a product
    and no unit price are priced by the price resolver, as quote lines are."""

    queryset = SalesOrder.objects.select_related(
        "customer", "sales_person__user").prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.select_related("product")
                 .order_by("position", "pk")))
    serializer_class = SalesOrderSerializer
    filterset_class = SalesOrderFilter
    data_key_plural = "orders"
    lookup_value_regex = "[0-9]+"
    sort_fields = {"createdAt": "created_at", "number": "number", "orderNumber": "number",
                   "orderDate": "order_date", "total": "total", "totalAmount": "total",
                   "status": "status",
                   "customerName": "customer_name", "balanceDue": "balance_due",
                   "deliveryProgress": "delivery_progress",
                   "invoicingProgress": "invoicing_progress", "updatedAt": "updated_at"}
    default_sort = "-created_at"
    document_actions = ORDER_ACTIONS
    required_permissions = {
        "from_quote": ["sales.add_salesorder"], "stats": VIEW, "pdf": VIEW,
        "invoice": ["sales.add_invoice"],
    }

    @property
    def data_key(self) -> str:
        return ACTION_KEYS.get(getattr(self, "action", None), "order")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.detail:
            # Soft-deleted orders stay readable by id, for audit; the services
            # refuse to change them (409 `order_deleted`).
            queryset = scope_for(
                SalesOrder.all_objects.select_related("customer", "sales_person__user")
                .prefetch_related("lines__product"), user=self.request.user)
        return queryset

    def fresh(self, order: SalesOrder) -> SalesOrder:
        return SalesOrder.all_objects.select_related("customer", "sales_person__user") \
            .prefetch_related("lines__product").get(pk=order.pk)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        order = services.order_create(firm=self.request.user.firm, actor=self.request.user,
                                      lines=None if lines is None else [dict(row) for row in
                                                                        lines], **data)
        return self.fresh(order)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        order = services.order_update(order=serializer.instance, actor=self.request.user,
                                      lines=None if lines is None else [dict(row) for row in
                                                                        lines], **data)
        return self.fresh(order)

    def perform_destroy(self, instance):
        services.order_delete(order=instance, actor=self.request.user)

    def _done(self, order: SalesOrder, message, *, code: int = status.HTTP_200_OK):
        return self.one(self.fresh(order), message=message, status=code)

    @extend_schema(request=FromQuoteSerializer, responses={201: SalesOrderSerializer},
                   parameters=[OpenApiParameter("quote_id", int, OpenApiParameter.PATH)])
    @action(detail=False, methods=["post"], url_path=r"from-quote/(?P<quote_id>[0-9]+)")
    def from_quote(self, request, quote_id=None):
        """A draft order from an accepted quote, once (409 the second time)."""
        quote = get_object_or_404(scope_for(Quote.objects.all(), user=request.user),
                                  pk=quote_id)
        serializer = FromQuoteSerializer(data=request.data,
                                         context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        order = services.order_from_quote(quote=quote, actor=request.user,
                                          **serializer.validated_data)
        return self._done(order, _("Sales order created from quote"),
                          code=status.HTTP_201_CREATED)

    @extend_schema(responses=OrderStatsSerializer)
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """Counts and amounts by status and by month, top customers, for the orders the
        caller reaches and the list filters given (soft-deleted orders never count)."""
        orders = self.filter_queryset(self.get_queryset())
        data = OrderStatsSerializer(order_stats(orders=orders)).data
        return self.envelope({"stats": data})

    @extend_schema(parameters=[LANGUAGE],
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The order as an A4 PDF in English, Arabic or both."""
        order = self.get_object()
        language = request.query_params.get("language") or firm_document_language(
            request.user.firm)
        if language not in LANGUAGES:
            raise serializers.ValidationError(
                {"language": [_("Must be one of: en, ar, both.")]})
        return pdf_response(order_pdf(order=order, language=language), name=order.number)
