"""Delivery note staff pages: list, detail (lines, details, the timeline of moves and carrier
events, history), the actions' confirm pages, a note made from an order, edit, delete, proof
upload, the proof files and the PDF. They parse, call delivery.services and present
(architecture §5.2): rows through core.scoping, filters from delivery.filters, actions from
delivery.actions."""

from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, re_path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views import View, generic

from core.errors import ApplicationError
from core.kit.views import DocumentActionView, DocumentDetailView, status_label
from core.models import DocumentEvent
from core.scoping import scope_for
from core.services import firm_today, settings_read
from core.staff import (
    Column,
    PageFilter,
    StaffListView,
    StaffMixin,
    error_text,
    status_badge,
    user_choices,
)
from sales.common.urls import document_urlpatterns
from sales.common.views import DocumentPdfView, DraftDeleteView
from sales.orders.models import SalesOrder

from . import services
from .actions import DELIVERY_NOTE_ACTIONS
from .api.views import note_file_response
from .choices import OPEN_STATUSES, DeliveryNoteStatus, FailureReason, TrackingStatus
from .documents import delivery_note_pdf
from .filters import DeliveryNoteFilter
from .forms import (
    DeliveryNoteForm,
    NoteLinesForm,
    OrderChoiceForm,
    ProofForm,
    order_line_rows,
)
from .models import DeliveryNote

ZERO = Decimal("0")
PDF_LANGUAGES = (("en", _("English")), ("ar", _("Arabic")), ("both", _("Both")))

# How the timeline names what happened (DocumentEvent.action of delivery.services and
# delivery.tracking).
EVENT_LABELS = {
    "created": _("Created"),
    "confirm": _("Confirmed"),
    "pick": _("Picking started"),
    "pack": _("Packed"),
    "ship": _("Shipped"),
    "deliver": _("Delivered"),
    "fail_attempt": _("Delivery attempt failed"),
    "cancel": _("Cancelled"),
    "mark_returned": _("Returned"),
    "proof_added": _("Proof of delivery added"),
    "tracking": _("Carrier update"),
    "tracking_updated": _("Tracking updated"),
}
# Labels of the details events carry that are not fields of the note.
DETAIL_LABELS = {
    "order": _("Sales order"),
    "failure_reason": _("Why it failed"),
    "photos": _("Photos"),
    "document": _("Signed delivery note (scan)"),
    "lines": _("Delivered"),
    "carrier_status": _("Carrier status"),
    "description": _("Description"),
    "location": _("Location"),
    "event_id": _("Carrier event"),
}
# Shown elsewhere on the entry, or not worth a line of it.
HIDDEN_DETAILS = {"latitude", "longitude", "ignored", "event_id"}


class DeliveryMixin:
    url_namespace = "delivery"
    model = DeliveryNote


def _reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def is_late(note: DeliveryNote, today) -> bool:
    """In transit past its estimated date (the firm's today)."""
    return (note.status == DeliveryNoteStatus.IN_TRANSIT
            and note.estimated_delivery_date is not None
            and note.estimated_delivery_date < today)


def late_badge() -> str:
    return format_html('<span class="badge text-bg-danger ms-1" data-testid="late">{}</span>',
                       _("Late"))


def map_search_url(text: str) -> str:
    return f"https://www.openstreetmap.org/search?query={quote(text)}"


def point_url(latitude, longitude) -> str:
    return (f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
            f"#map=17/{latitude}/{longitude}")


def external_link(url: str, text: Any, *, testid: str = "") -> str:
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer"{}>{} '
                       '<i class="bi bi-box-arrow-up-right small" aria-hidden="true"></i></a>',
                       url, format_html(' data-testid="{}"', testid) if testid else "", text)


def address_text(snapshot: dict, *, arabic: bool = False) -> str:
    if not snapshot:
        return ""
    line1 = (snapshot.get("address_line1_ar") if arabic else "") or snapshot.get(
        "address_line1", "")
    city = (snapshot.get("city_ar") if arabic else "") or snapshot.get("city", "")
    parts = [line1, snapshot.get("address_line2", ""), city, snapshot.get("region", ""),
             snapshot.get("postal_code", ""), snapshot.get("country", "")]
    return ("، " if arabic else ", ").join(part for part in parts if part)


def nowrap(field: str):
    """A list cell of a code (number, tracking number) kept on one line, left to right."""
    def read(row) -> str:
        value = getattr(row, field)
        return format_html('<bdi class="text-nowrap">{}</bdi>', value) if value else ""
    return read


# --- list -----------------------------------------------------------------------------------


class DeliveryNoteListView(DeliveryMixin, StaffListView):
    filterset_class = PageFilter(
        DeliveryNoteFilter, fields=["status", "carrier", "driver_id", "scheduled_from",
                                    "scheduled_to", "late"],
        references={"driver_id": user_choices})
    api_list_url_name = "delivery-api:deliverynote-list"
    search_fields = DeliveryNoteFilter.search_fields
    sort_fields = {"number": "number", "deliveryDate": "delivery_date",
                   "scheduledDate": "scheduled_date",
                   "estimatedDeliveryDate": "estimated_delivery_date", "status": "status",
                   "customerName": "customer_name", "carrier": "carrier",
                   "createdAt": "created_at"}
    default_sort = "-created_at"
    select_related = ("order", "driver")

    @cached_property
    def columns(self) -> list[Column]:
        today = firm_today(firm=self.request.user.firm)
        can_see_orders = self.can("sales.view_salesorder")

        def order_link(note: DeliveryNote):
            if not can_see_orders:
                return note.order_number
            return format_html('<a href="{}"><bdi class="text-nowrap">{}</bdi></a>',
                               reverse("sales:salesorder_detail", args=[note.order_id]),
                               note.order_number)

        def status(note: DeliveryNote):
            badge = status_badge(note.status, note.get_status_display())
            return format_html('<span class="text-nowrap">{}{}</span>', badge,
                               late_badge() if is_late(note, today) else "")

        # Numbers never break at their hyphens on a phone: the table scrolls instead.
        return [
            Column(_("Number"), nowrap("number"), sort="number", link=True),
            Column(_("Sales order"), order_link),
            Column(_("Customer"), "customer_name", sort="customerName"),
            Column(_("Status"), status, sort="status"),
            Column(_("Scheduled"), "scheduled_date", sort="scheduledDate"),
            Column(_("Estimated delivery"), "estimated_delivery_date",
                   sort="estimatedDeliveryDate"),
            Column(_("Carrier"), "carrier", sort="carrier"),
            Column(_("Tracking number"), nowrap("tracking_number")),
            Column(_("Driver"), lambda note: note.driver_name or (note.driver or "")),
        ]


# --- detail ---------------------------------------------------------------------------------


def pdf_links(url: str) -> list[dict]:
    return [{"language": code, "label": label, "url": f"{url}?language={code}"}
            for code, label in PDF_LANGUAGES]


def _detail_value(note: DeliveryNote, key: str, value: Any, lines: dict) -> Any:
    if key == "failure_reason":
        return FailureReason(value).label if value in FailureReason.values else value
    if key == "carrier_status":
        return TrackingStatus(value).label if value in TrackingStatus.values else value
    if key == "lines" and isinstance(value, dict):
        return "; ".join(f"{lines.get(str(pk), pk)}: {quantity}"
                         for pk, quantity in value.items())
    if key == "location" and value:
        return external_link(map_search_url(str(value)), value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _detail_label(key: str) -> Any:
    if key in DETAIL_LABELS:
        return DETAIL_LABELS[key]
    try:
        return DeliveryNote._meta.get_field(key).verbose_name
    except FieldDoesNotExist:  # a key that is not a field shows as it is
        return key


def delivery_timeline(note: DeliveryNote) -> list[dict]:
    """What happened to the note, oldest first: its moves and other events (who, when, why,
    where) and the carriers' tracking events, merged by time. A carrier event is shown once,
    as itself, not also as the timeline event it recorded."""
    tracking = list(note.tracking_events.order_by("occurred_at", "pk"))
    shown = {event.event_id for event in tracking}
    lines = {str(line.pk): line.description for line in note.lines.all()}
    entries = []
    events = DocumentEvent.objects.filter(
        firm_id=note.firm_id, object_id=note.pk,
        content_type=ContentType.objects.get_for_model(DeliveryNote),
    ).select_related("actor").order_by("created_at", "pk")
    for event in events:
        details = event.details or {}
        if event.action == "tracking" and details.get("event_id") in shown:
            continue
        place = None
        if details.get("latitude") and details.get("longitude"):
            place = point_url(details["latitude"], details["longitude"])
        moved = event.from_status != event.to_status
        entries.append({
            "kind": "event", "action": event.action, "time": event.created_at,
            "label": EVENT_LABELS.get(event.action, event.action), "actor": event.actor,
            "from": status_label(note, event.from_status) if moved else None,
            "to": status_label(note, event.to_status) if moved else None,
            "to_status": event.to_status if moved else None,
            "reason": event.reason if event.reason != event.action else "",
            "details": [{"label": _detail_label(key),
                         "value": _detail_value(note, key, value, lines)}
                        for key, value in details.items()
                        if key not in HIDDEN_DETAILS and value not in ("", None, {}, [])
                        and not (key == "photos" and not value)],
            "map_url": place,
        })
    for event in tracking:
        entries.append({
            "kind": "tracking", "time": event.occurred_at, "label": event.get_status_display(),
            "actor": None, "source": event.source, "description": event.description,
            "location": event.location,
            "map_url": map_search_url(event.location) if event.location else None,
            "applied": event.applied, "event_id": event.event_id,
        })
    return sorted(entries, key=lambda entry: entry["time"])


class DeliveryNoteDetailView(DeliveryMixin, DocumentDetailView):
    template_name = "delivery/deliverynote_detail.html"
    document_actions = DELIVERY_NOTE_ACTIONS
    tabs = ("lines", "details", "timeline", "history")
    select_related = ("order", "customer", "driver", "invoice", "contact", "cancelled_by",
                      "created_by", "firm")

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        note = self.object
        today = firm_today(firm=note.firm)
        can_deliver = self.can("delivery.deliver_deliverynote")
        context.update({
            "note": note,
            "lines": list(note.lines.select_related("product").order_by("position", "pk")),
            "photos": [{"photo": photo, "url": self.url("file", note.pk, f"photo-{photo.pk}")}
                       for photo in note.photos.order_by("uploaded_at", "pk")],
            "delivery_timeline": delivery_timeline(note),
            "late": is_late(note, today),
            "address": address_text(note.shipping_address_snapshot),
            "address_ar": address_text(note.shipping_address_snapshot, arabic=True),
            "pdf_links": pdf_links(self.url("pdf", note.pk)),
            "edit_url": self.url("update", note.pk)
            if note.status in OPEN_STATUSES and self.can(self.perm("change")) else None,
            "delete_url": self.url("delete", note.pk)
            if note.status == DeliveryNoteStatus.DRAFT and self.can(self.perm("delete"))
            else None,
            "order_url": _reverse("sales:salesorder_detail", note.order_id)
            if self.can("sales.view_salesorder") else None,
            "customer_url": _reverse("crm:customer_detail", note.customer_id)
            if self.can("crm.view_customer") else None,
            "invoice_url": _reverse("sales:invoice_detail", note.invoice_id)
            if note.invoice_id and self.can("sales.view_invoice") else None,
            "proof_form": kwargs.get("proof_form") or (
                ProofForm() if can_deliver and note.status in services.PROOF_STATUSES
                else None),
            "proof_url": self.url("proof", note.pk),
        })
        return context


# --- actions --------------------------------------------------------------------------------


def place_errors(form, error: Exception) -> None:
    """A service's refusal on the form: each detail beside the field it names (the form's
    `error_field` maps the service's keys), the rest and the message above the form."""
    if isinstance(error, ApplicationError):
        details = error.details if isinstance(error.details, dict) else {}
    else:
        details = error.message_dict if hasattr(error, "error_dict") else {}
    placed = False
    mapper = getattr(form, "error_field", lambda key: key if key in form.fields else None)
    for key, problems in details.items():
        name = mapper(str(key))
        if name is None or not isinstance(problems, list | tuple):
            continue
        form.add_error(name, [str(problem) for problem in problems])
        placed = True
    if isinstance(error, ApplicationError):
        form.add_error(None, str(error.message))
    elif not placed:
        form.add_error(None, error_text(error))


class DeliveryNoteActionView(DeliveryMixin, DocumentActionView):
    """The confirm page of one declared action with its form; a refusal of the input (a
    quantity above what was planned, no proof where the firm requires it, an unreadable
    image) shows beside the fields, input kept; a move the note's status no longer allows
    goes back to the note with the service's message."""

    template_name = "delivery/deliverynote_action.html"
    document_actions = DELIVERY_NOTE_ACTIONS
    select_related = ("order",)

    def refused(self, document, form, error: Exception):
        if isinstance(error, ApplicationError) and error.status_code != 400:
            return super().refused(document, form, error)
        place_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["note"] = self.object
        context["address"] = address_text(self.object.shipping_address_snapshot)
        return context


# --- create, edit, delete -------------------------------------------------------------------


class NoteFormMixin(DeliveryMixin):
    """The form page of a note: its own fields, and the order's lines with a quantity each
    (a new note, or a draft's)."""

    template_name = "delivery/deliverynote_form.html"
    order: SalesOrder

    def save_error(self, header, lines_form, chosen, error: Exception) -> None:
        details = (error.details if isinstance(error, ApplicationError)
                   and isinstance(error.details, dict) else
                   error.message_dict if hasattr(error, "error_dict") else {})
        placed = lines_form.place_errors(chosen, details) if lines_form is not None else False
        for key, problems in details.items():
            name = header.error_field(str(key))
            if name is not None:
                header.add_error(name, [str(problem) for problem in (
                    problems if isinstance(problems, list) else [problems])])
                placed = True
        if isinstance(error, ApplicationError):
            header.add_error(None, str(error.message))
        elif not placed:
            header.add_error(None, error_text(error))

    def form_context(self, header, lines_form, **extra) -> dict:
        order = self.order
        return {"form": header, "lines_form": lines_form, "order": order,
                "order_url": _reverse("sales:salesorder_detail", order.pk)
                if self.can("sales.view_salesorder") else None, **extra}


class DeliveryNoteCreateView(NoteFormMixin, StaffMixin, generic.TemplateView):
    """`?order=<id>`: the order's lines with what remains to deliver proposed, a warehouse,
    serial numbers and batch each, and the note's dates, carrier and texts; POST makes the
    draft note (delivery_note_create) and opens it. Without an order: choose one."""

    def get_permission_required(self):
        return [self.perm("add")]

    def dispatch(self, request, *args, **kwargs):
        self.order = None
        order_id = request.GET.get("order") or request.POST.get("order")
        if request.user.is_authenticated and order_id:
            if not order_id.isdigit():
                raise Http404
            self.order = get_object_or_404(
                scope_for(SalesOrder.objects.all(), user=request.user).select_related(
                    "customer"), pk=order_id)
        return super().dispatch(request, *args, **kwargs)

    def order_form(self, data=None) -> OrderChoiceForm:
        return OrderChoiceForm(data, user=self.request.user,
                               statuses=services.DELIVERABLE_ORDER_STATUSES)

    def build_forms(self, data=None) -> tuple[DeliveryNoteForm, NoteLinesForm]:
        order = self.order
        remaining = services.order_deliverable_quantities(order=order)
        settings = settings_read(firm=order.firm)
        lines_form = NoteLinesForm(data, rows=order_line_rows(order, remaining), propose=True)
        header = DeliveryNoteForm(data, user=self.request.user, order=order,
                                  only=DeliveryNoteForm.NEW, initial={
                                      "scheduled_date": order.requested_delivery_date,
                                      "estimated_delivery_date": order.expected_delivery_date,
                                      "carrier": settings.delivery.default_carrier,
                                      "special_instructions": order.delivery_instructions})
        return header, lines_form

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = DeliveryNote._meta.verbose_name
        if self.order is None:
            context.update({"choose_order": True,
                            "form": kwargs.get("form") or self.order_form(),
                            "cancel_url": self.url("list")})
            return context
        header, lines_form = kwargs.get("forms") or self.build_forms()
        deliverable = (self.order.status in services.DELIVERABLE_ORDER_STATUSES
                       and self.order.deleted_at is None)
        context.update(self.form_context(header, lines_form, deliverable=deliverable,
                                         cancel_url=_reverse("sales:salesorder_detail",
                                                             self.order.pk)
                                         or self.url("list")))
        return context

    def post(self, request, *args, **kwargs):
        if self.order is None:
            # No order chosen: the chooser again, saying so.
            form = self.order_form(request.POST)
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        header, lines_form = self.build_forms(request.POST)
        if header.is_valid() and lines_form.is_valid():
            chosen = lines_form.chosen()
            try:
                note = services.delivery_note_create(firm=request.user.firm, actor=request.user,
                                                     order=self.order, lines=chosen,
                                                     **header.changes())
            except (ApplicationError, ValidationError) as error:
                self.save_error(header, lines_form, chosen, error)
            else:
                messages.success(request, _("Delivery note %(number)s created.")
                                 % {"number": note.number})
                return HttpResponseRedirect(self.url("detail", note.pk))
        return self.render_to_response(self.get_context_data(forms=(header, lines_form)),
                                       status=400)


class DeliveryNoteUpdateView(NoteFormMixin, StaffMixin, generic.DetailView):
    """A draft: its lines and every field; a note on its way (confirmed to in transit): its
    logistics and texts. Delivered or cancelled notes go back to their page."""

    def get_permission_required(self):
        return [self.perm("change")]

    def editable(self, note: DeliveryNote) -> bool:
        if note.status in OPEN_STATUSES:
            return True
        messages.error(self.request, _("A delivered or cancelled delivery note cannot be "
                                       "changed."))
        return False

    def build_forms(self, data=None) -> tuple[DeliveryNoteForm, NoteLinesForm | None]:
        note = self.object
        self.order = note.order
        is_draft = note.status == DeliveryNoteStatus.DRAFT
        header = DeliveryNoteForm(data, user=self.request.user, order=self.order,
                                  instance=note, only=DeliveryNoteForm.DRAFT if is_draft
                                  else DeliveryNoteForm.OPEN)
        lines_form = None
        if is_draft:
            remaining = services.order_deliverable_quantities(order=self.order, exclude=note)
            planned = {line.order_line_id: line for line in note.lines.all()}
            lines_form = NoteLinesForm(data, rows=order_line_rows(self.order, remaining,
                                                                  planned), propose=False)
        return header, lines_form

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.editable(self.object):
            return HttpResponseRedirect(self.url("detail", self.object.pk))
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        header, lines_form = kwargs.get("forms") or self.build_forms()
        context.update(self.form_context(header, lines_form, deliverable=True,
                                         cancel_url=self.url("detail", self.object.pk)))
        return context

    def post(self, request, *args, **kwargs):
        self.object = note = self.get_object()
        if not self.editable(note):
            return HttpResponseRedirect(self.url("detail", note.pk))
        header, lines_form = self.build_forms(request.POST)
        valid = [header.is_valid(), lines_form.is_valid() if lines_form is not None else True]
        if all(valid):
            chosen = lines_form.chosen() if lines_form is not None else None
            extra = {"lines": chosen} if lines_form is not None else {}
            try:
                services.delivery_note_update(note=note, actor=request.user, **extra,
                                              **header.changes())
            except (ApplicationError, ValidationError) as error:
                self.save_error(header, lines_form, chosen or [], error)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.url("detail", note.pk))
        return self.render_to_response(self.get_context_data(forms=(header, lines_form)),
                                       status=400)


class DeliveryNoteDeleteView(DeliveryMixin, DraftDeleteView):
    delete_note = _("Only a draft can be deleted: what it planned is free to deliver again, "
                    "and its history keeps who deleted it.")

    def delete_document(self, note: DeliveryNote) -> None:
        services.delivery_note_delete(note=note, actor=self.request.user)


# --- proof, files, PDF ----------------------------------------------------------------------


class DeliveryNoteProofView(DeliveryNoteDetailView):
    """POST the detail page's proof form (signature, photos, the signed note scanned): the
    service checks and stores them; an unreadable image shows beside its field (400)."""

    http_method_names = ["post"]

    def get_permission_required(self):
        return [self.perm("view"), "delivery.deliver_deliverynote"]

    def post(self, request, *args, **kwargs):
        note = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        form = ProofForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.delivery_note_proof_add(note=note, actor=request.user,
                                                 **form.cleaned_data)
            except (ApplicationError, ValidationError) as error:
                place_errors(form, error)
            else:
                messages.success(request, _("Proof of delivery added."))
                return HttpResponseRedirect(self.url("detail", note.pk))
        self.object = note
        return self.render_to_response(self.get_context_data(object=note, proof_form=form),
                                       status=400)


class DeliveryNoteFileView(DeliveryMixin, StaffMixin, View):
    """A proof file (signature, scan, photo) of a note the user reaches; 404 otherwise."""

    def get_permission_required(self):
        return [self.perm("view")]

    def get(self, request, pk, kind: str):
        note = get_object_or_404(self.get_queryset(), pk=pk)
        return note_file_response(note, kind)


class DeliveryNotePdfView(DeliveryMixin, DocumentPdfView):
    def render_pdf(self, note: DeliveryNote, language: str) -> bytes:
        return delivery_note_pdf(note=note, language=language)


# --- on the sales order's page (core.registry) -----------------------------------------------


def order_delivery_section(order: SalesOrder, user) -> dict | None:
    """A sales order's delivery notes on its page: each with its status, dates and what it
    planned and delivered; and "Create delivery note" while something remains to deliver and
    the user may make notes (the service decides again when the note is made)."""
    if not user.has_perm("delivery.view_deliverynote"):
        return None
    today = firm_today(firm=order.firm)
    notes = scope_for(DeliveryNote.objects.filter(order_id=order.pk), user=user).annotate(
        planned=Sum("lines__quantity_to_deliver"),
        delivered=Sum("lines__quantity_delivered")).order_by("pk")
    rows = [{"note": note, "url": reverse("delivery:deliverynote_detail", args=[note.pk]),
             "late": is_late(note, today)} for note in notes]
    create_url = None
    if (user.has_perm("delivery.add_deliverynote") and order.deleted_at is None
            and order.status in services.DELIVERABLE_ORDER_STATUSES
            and any(quantity > 0 for quantity in
                    services.order_deliverable_quantities(order=order).values())):
        create_url = reverse("delivery:deliverynote_create") + f"?order={order.pk}"
    return {
        "tab": "delivery-notes", "label": _("Delivery notes"), "count": len(rows),
        "template": "delivery/includes/order_notes.html", "notes": rows,
        "create_url": create_url,
        "links": [{"kind": _("Delivery note"), "label": row["note"].number, "url": row["url"]}
                  for row in rows],
        "buttons": [{"label": _("Create delivery note"), "url": create_url, "icon": "truck",
                     "testid": "create-delivery-note"}] if create_url else [],
    }


urlpatterns = document_urlpatterns(
    "notes/", "deliverynote", list_view=DeliveryNoteListView,
    detail_view=DeliveryNoteDetailView, create_view=DeliveryNoteCreateView,
    update_view=DeliveryNoteUpdateView, delete_view=DeliveryNoteDeleteView,
    pdf_view=DeliveryNotePdfView, transition_view=DeliveryNoteActionView, extra=(
        path("notes/<int:pk>/proof/", DeliveryNoteProofView.as_view(),
             name="deliverynote_proof"),
        re_path(r"^notes/(?P<pk>[0-9]+)/files/(?P<kind>signature|proof|photo-[0-9]+)/$",
                DeliveryNoteFileView.as_view(), name="deliverynote_file"),
    ))
