"""The dispatch board and the driver's run sheet: staff pages over delivery.services that parse,
call and present (architecture §5.2).

The board shows the notes in columns by status and moves a note one step with the action its
declaration (delivery.actions, §5.13) says leads to the column it was dropped on; the service
still decides, so a stale board ends in the service's refusal, shown on the card. The run sheet
records a delivery with its proof, or a failed attempt, from a phone: the same request sent
again (a retry after a dropped connection) records once.
"""

import datetime
import json
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views import generic

from core.dates import DateFormField
from core.errors import ApplicationError, InvalidTransition
from core.forms import DATE
from core.kit.actions import DocumentAction, input_serializer
from core.kit.views import status_label
from core.models import User
from core.scoping import scope_for
from core.services import firm_today, settings_read, transition_targets
from core.staff import PageFilter, StaffMixin, error_text, safe_next

from . import services
from .actions import CHANGE, DELIVER, DELIVERY_NOTE_ACTIONS
from .choices import BOARD_STATUSES, DONE_STATUSES, DeliveryNoteStatus, FailureReason
from .filters import DeliveryNoteFilter
from .models import DeliveryNote

# Delivered notes stay on the board this many days unless the user picks another date.
DELIVERED_DAYS = 7
CARDS_PER_COLUMN = 50
# How the board performs each action: at once, through its form on the board (carrier and
# tracking are offered, none required), or on the action's own page (proof or a reason).
DIRECT, FORM, PAGE = "post", "form", "page"
BOARD_ACTIONS = {"confirm": DIRECT, "pick": DIRECT, "pack": DIRECT, "ship": FORM,
                 "deliver": PAGE, "fail_attempt": PAGE}
# A retried failed attempt is answered from here: the service keeps no key for it.
FAILED_KEY_SECONDS = 7 * 24 * 3600


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def optional_url(name: str, *args: Any) -> str | None:
    """A page of the notes' own pages (delivery.views) when it exists."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def refusal(error: Exception) -> tuple[dict, int]:
    """A service's refusal as the pages show it: its message (in the page's language), its
    code and its field errors."""
    if isinstance(error, ApplicationError):
        # Field errors are details holding messages; a refused move's from/to/allowed are not.
        fields = {} if isinstance(error, InvalidTransition) else {
            key: [str(text) for text in value] for key, value in error.details.items()
            if isinstance(value, list)}
        return ({"ok": False, "code": error.code, "message": str(error.message),
                 "errors": fields}, error.status_code)
    errors = getattr(error, "message_dict", None) or {"__all__": error.messages}
    return ({"ok": False, "code": "validation_error", "message": error_text(error),
             "errors": {key: [str(text) for text in value] for key, value in errors.items()}},
            400)


def local(note_or_line, field: str) -> str:
    """A text in Arabic on Arabic pages when the row has it (customer_name_ar, ...)."""
    if get_language() == "ar":
        return getattr(note_or_line, f"{field}_ar", "") or getattr(note_or_line, field, "")
    return getattr(note_or_line, field, "")


# --- the board ------------------------------------------------------------------------------


def drivers(user: User) -> list[tuple]:
    """The firm's active users who may record deliveries, for the driver filter and select."""
    # The permission backend (the lockout backend in front of it answers no permissions).
    rows = User.objects.with_perm(DELIVER, backend="core.auth.Backend").filter(
        firm_id=user.firm_id, is_active=True)
    return [(row.pk, row.get_full_name() or row.username)
            for row in rows.order_by("first_name", "last_name", "username")]


BOARD_FILTER = PageFilter(DeliveryNoteFilter,
                          fields=["scheduled_from", "scheduled_to", "carrier", "driver_id"],
                          references={"driver_id": drivers})


class DeliveredSinceForm(forms.Form):
    delivered_since = DateFormField(label=_("Delivered since"), widget=DATE)


class ShipForm(forms.Form):
    """The ship action's fields the board offers (the service takes more from the API)."""

    carrier = forms.CharField(label=_("Carrier"), max_length=60, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100,
                                      required=False)
    tracking_url = forms.URLField(label=_("Tracking link"), max_length=500, required=False,
                                  assume_scheme="https",
                                  widget=forms.URLInput(attrs={"dir": "ltr"}))
    driver_id = forms.TypedChoiceField(label=_("Driver"), required=False, coerce=int,
                                       empty_value=None)
    estimated_delivery_date = DateFormField(label=_("Estimated delivery date"),
                                            required=False, widget=DATE)

    def __init__(self, *args, driver_choices: list[tuple], note: DeliveryNote | None = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["driver_id"].choices = [("", "—"), *driver_choices]
        if note is not None:
            self.initial.update({"carrier": note.carrier, "driver_id": note.driver_id,
                                 "tracking_number": note.tracking_number,
                                 "tracking_url": note.tracking_url,
                                 "estimated_delivery_date": note.estimated_delivery_date})


def action_page(note: DeliveryNote, name: str) -> str | None:
    """Where an action that needs input is done: a delivery on the run sheet (its signature
    pad), any other on its confirm page among the notes' pages."""
    if name == "deliver":
        return reverse("delivery:run_sheet") + f"?note={note.pk}#note-{note.pk}"
    return optional_url("delivery:deliverynote_transition", note.pk, name)


def card_context(note: DeliveryNote, *, user: User, today: datetime.date,
                 driver_choices: list[tuple]) -> dict:
    """A card, and the moves the user may make with it now (each its action, the column it
    leads to and how the board performs it); `driver_choices` read once for the board."""
    moves = []
    for action in DELIVERY_NOTE_ACTIONS.for_user(document=note, user=user):
        mode = BOARD_ACTIONS.get(action.name)
        url = action_page(note, action.name) if mode == PAGE else None
        if mode is None:
            # Not a step between columns (cancel): offered when its page exists.
            url = optional_url("delivery:deliverynote_transition", note.pk, action.name)
            if url is None:
                continue
            mode = PAGE
        if mode == PAGE and url is None:
            continue
        moves.append({"name": action.name, "label": action.label, "style": action.style,
                      "target": action.target_status(note), "mode": mode, "url": url})
    drop = {move["target"]: {"action": move["name"], "mode": move["mode"], "url": move["url"]}
            for move in moves if move["name"] in BOARD_ACTIONS}
    return {
        "note": note,
        "customer": local(note, "customer_name"),
        "driver": note.driver_name or (str(note.driver) if note.driver_id else ""),
        "late": (note.status == DeliveryNoteStatus.IN_TRANSIT
                 and note.estimated_delivery_date is not None
                 and note.estimated_delivery_date < today),
        "backorder": note.status == DeliveryNoteStatus.PARTIALLY_DELIVERED,
        "moves": moves,
        "ship_form": ShipForm(driver_choices=driver_choices, note=note,
                              auto_id=f"ship-{note.pk}-%s")
        if any(move["mode"] == FORM for move in moves) else None,
        "drop": json.dumps(drop),
        "detail_url": optional_url("delivery:deliverynote_detail", note.pk),
        "order_url": optional_url("sales:salesorder_detail", note.order_id),
        "move_url": reverse("delivery:board_move", args=[note.pk]),
    }


class BoardMixin(StaffMixin):
    model = DeliveryNote

    def get_permission_required(self):
        return [CHANGE]


class DispatchBoardView(BoardMixin, generic.TemplateView):
    """A column per status from draft to delivered (delivered ones of the last days only),
    filtered by scheduled date, carrier and driver."""

    template_name = "delivery/board.html"

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        today = firm_today(firm=user.firm)
        notes = scope_for(DeliveryNote.objects.filter(status__in=BOARD_STATUSES), user=user)
        filterset = BOARD_FILTER(request.GET or None, queryset=notes, request=request)
        if filterset.is_bound:
            notes = filterset.qs if filterset.is_valid() else notes.none()
        since = today - datetime.timedelta(days=DELIVERED_DAYS)
        data = request.GET.copy()
        data["delivered_since"] = data.get("delivered_since") or since.isoformat()
        since_form = DeliveredSinceForm(data)  # the default shown in its field
        if since_form.is_valid():
            since = since_form.cleaned_data["delivered_since"]
        start = datetime.datetime.combine(since, datetime.time.min,
                                          tzinfo=ZoneInfo(user.firm.time_zone))
        notes = notes.exclude(Q(status__in=DONE_STATUSES) & (
            Q(actual_delivery_date__lt=start) | Q(actual_delivery_date__isnull=True)))
        counts = dict(notes.order_by().values_list("status").annotate(count=Count("pk")))
        notes = notes.select_related("order", "driver")
        columns, driver_choices = [], drivers(user)
        for status in BOARD_STATUSES:
            rows = notes.filter(status=status).order_by(
                *(["-actual_delivery_date"] if status in DONE_STATUSES
                  else [F("scheduled_date").asc(nulls_last=True)]), "number", "pk")
            cards = [card_context(note, user=user, today=today, driver_choices=driver_choices)
                     for note in rows[:CARDS_PER_COLUMN]]
            count = counts.get(status, 0)
            columns.append({"status": status, "label": DeliveryNoteStatus(status).label,
                            "count": count, "cards": cards, "more": count > len(cards)})
        context.update({
            "columns": columns, "filter_form": filterset.form, "since_form": since_form,
            "since": since, "today": today,
            "ship_form": ShipForm(driver_choices=driver_choices, auto_id="ship-dialog-%s"),
            "list_url": optional_url("delivery:deliverynote_list"),
            "run_sheet_url": reverse("delivery:run_sheet") if user.has_perm(DELIVER) else None,
            "filtered": any(request.GET.get(name) for name in (
                "scheduled_from", "scheduled_to", "carrier", "driver_id", "delivered_since")),
        })
        return context


def board_action(note: DeliveryNote, *, name: str, status: str) -> DocumentAction | None:
    """The declared action named, or the one leading to `status`: of the actions declared with
    that target, the one the state machine allows from the note's status now."""
    if name:
        return DELIVERY_NOTE_ACTIONS.get(name) if name in BOARD_ACTIONS else None
    leading = [action for action in DELIVERY_NOTE_ACTIONS.actions
               if action.name in BOARD_ACTIONS and action.target_status(note) == status]
    possible = transition_targets(note)
    return next((action for action in leading if action.name in possible),
                leading[0] if leading else None)


class BoardMoveView(BoardMixin, generic.View):
    """POST `action` (a button) or `status` (the column a card was dropped on): the action's
    service, answered in JSON to the board's script and by a redirect to the board otherwise."""

    def post(self, request, pk: int):
        note = get_object_or_404(self.get_queryset().select_related("order", "driver"), pk=pk)
        back = safe_next(request, reverse("delivery:board"))
        status = request.POST.get("status", "")
        action = board_action(note, name=request.POST.get("action", ""), status=status)
        try:
            if action is None:
                # No step leads there: the refusal the service gives for a move it does not
                # allow.
                raise InvalidTransition(source=note.status, target=status or "",
                                        allowed=services.delivery_note_allowed_targets(note=note))
            if not request.user.has_perm(action.permission):
                return self.answer(request, back, {
                    "ok": False, "code": "permission_denied",
                    "message": str(_("You may not do this."))}, 403)
            available = action in DELIVERY_NOTE_ACTIONS.for_user(document=note,
                                                                  user=request.user)
            if BOARD_ACTIONS[action.name] == PAGE:
                if not available:
                    raise InvalidTransition(source=note.status,
                                            target=action.target_status(note) or "",
                                            allowed=services.delivery_note_allowed_targets(note=note))
                page = action_page(note, action.name)
                if wants_json(request):
                    return JsonResponse({"ok": False, "redirect": page})
                return HttpResponseRedirect(page)
            # Not available (a stale board, an order on hold): the service refuses it with
            # its own message, as it would a race between two users.
            serializer = input_serializer(DELIVERY_NOTE_ACTIONS, action)(
                data=request.POST, context={"request": request})
            if not serializer.is_valid():
                errors = {key: [str(text) for text in value]
                          for key, value in serializer.errors.items()}
                return self.answer(request, back, {
                    "ok": False, "code": "validation_error", "errors": errors,
                    "message": " ".join(text for value in errors.values() for text in value)},
                    400)
            data = dict(serializer.validated_data)
            reason = data.pop("reason", "")
            moved = DELIVERY_NOTE_ACTIONS.perform(action, document=note, actor=request.user,
                                                  reason=reason, data=data)
        except (ApplicationError, ValidationError) as error:
            body, code = refusal(error)
            return self.answer(request, back, body, code)
        moved = DeliveryNote.objects.select_related("order", "driver").get(pk=moved.pk)
        message = str(action.success_message(moved) or action.label)
        if not wants_json(request):
            messages.success(request, message)
            return HttpResponseRedirect(back)
        card = card_context(moved, user=request.user, today=firm_today(firm=request.user.firm),
                            driver_choices=drivers(request.user))
        return JsonResponse({
            "ok": True, "message": message, "status": moved.status,
            "card": render_to_string("delivery/board/card.html",
                                     {"card": card, "card_next": back}, request=request)})

    def answer(self, request, back: str, body: dict, code: int):
        if wants_json(request):
            return JsonResponse(body, status=code)
        messages.error(request, body["message"])
        return HttpResponseRedirect(back)


# --- the run sheet --------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A quantity as an <input type=number> takes it: 10, 2.5 (never 1E+1 or 1,250)."""
    return format(value.normalize(), "f")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(item, initial) for item in files]


class CoordinateField(forms.DecimalField):
    """A device's coordinate, rounded to the 6 places the note keeps (about 10 cm)."""

    def __init__(self, *, limit: int, **kwargs) -> None:
        super().__init__(required=False, min_value=-limit, max_value=limit,
                         widget=forms.HiddenInput, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else value.quantize(Decimal("0.000001"),
                                                         rounding=ROUND_HALF_UP)


class RunNoteForm(forms.Form):
    """One note of the run sheet: delivered with proof and quantities, or a failed attempt."""

    DELIVERED, FAILED = "delivered", "failed"

    outcome = forms.ChoiceField(choices=[(DELIVERED, _("Delivered")),
                                         (FAILED, _("Failed attempt"))],
                                widget=forms.HiddenInput)
    received_by = forms.CharField(label=_("Received by"), max_length=150, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                "dir": "auto"}))
    received_by_title = forms.CharField(label=_("Receiver's title"), max_length=100,
                                        required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                      "dir": "auto"}))
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    photos = PhotosField(label=_("Photos"), required=False)
    latitude = CoordinateField(limit=90)
    longitude = CoordinateField(limit=180)
    idempotency_key = forms.CharField(max_length=80, required=False, widget=forms.HiddenInput)
    failure_reason = forms.ChoiceField(label=_("Why it failed"), required=False,
                                       choices=[("", "—"), *FailureReason.choices])
    notes = forms.CharField(label=_("Note"), max_length=2000, required=False,
                            widget=forms.TextInput(attrs={"dir": "auto"}))

    def __init__(self, *args, note: DeliveryNote, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"note-{note.pk}-%s")
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        self.note = note
        self.fields["photos"].widget.attrs.update({"accept": "image/*",
                                                   "capture": "environment"})
        self.line_fields = []
        for line in note.lines.all():
            name = f"line-{line.pk}"
            # Left out (a failed attempt, an older form): as planned.
            self.fields[name] = forms.DecimalField(
                label=local(line, "description"), min_value=0, required=False,
                max_value=line.quantity_to_deliver, max_digits=14, decimal_places=4,
                initial=plain(line.quantity_to_deliver),
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal",
                                                "dir": "ltr"}))
            self.line_fields.append((line, name))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == self.FAILED and not data.get("failure_reason"):
            self.add_error("failure_reason", _("Choose why the attempt failed."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None  # half a position is no position
        return data

    def lines(self) -> list[dict]:
        return [{"line": line, "description": local(line, "description"), "field": self[name],
                 "planned": line.quantity_to_deliver} for line, name in self.line_fields]

    def service_errors(self, errors: dict) -> None:
        """A service's field errors shown on their fields (run sheet names, field_name)."""
        for name, texts in errors.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)


def field_name(key: str) -> str:
    """The run sheet's field of a service's error key: `lines.<id>.quantity` is the line's
    quantity, `photos.<n>` the photos."""
    key = re.sub(r"^lines\.(\d+)(\.quantity)?$", r"line-\1", key)
    return "photos" if key.startswith("photos.") else key


class RunSheetMixin(StaffMixin):
    model = DeliveryNote

    def get_permission_required(self):
        return [DELIVER]


def run_notes(user: User, *, today: datetime.date):
    """The notes in transit due by today (estimated, else scheduled date; none given: any
    day), the user's own first."""
    due = Coalesce("estimated_delivery_date", "scheduled_date")
    notes = scope_for(DeliveryNote.objects.filter(status=DeliveryNoteStatus.IN_TRANSIT),
                      user=user).alias(due=due)
    return notes.filter(Q(due__isnull=True) | Q(due__lte=today))


class RunSheetView(RunSheetMixin, generic.TemplateView):
    """Today's deliveries on a phone: where to go, whom to call, what to hand over, and the
    proof (signature, receiver, photos, position) or why it failed."""

    template_name = "delivery/run_sheet.html"

    def get_context_data(self, *, bound: RunNoteForm | None = None, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        request, user = self.request, self.request.user
        today = firm_today(firm=user.firm)
        chosen = request.GET.get("note", "")
        if chosen.isdigit():
            # One note from the board, whatever its date.
            notes = scope_for(DeliveryNote.objects.filter(
                status=DeliveryNoteStatus.IN_TRANSIT, pk=int(chosen)), user=user)
            who = "all"
        else:
            notes = run_notes(user, today=today)
            mine = notes.filter(driver=user)
            who = request.GET.get("who", "")
            who = who if who in ("mine", "all") else ("mine" if mine.exists() else "all")
            if who == "mine":
                notes = mine
        notes = notes.select_related("driver").prefetch_related("lines").order_by(
            Coalesce("estimated_delivery_date", "scheduled_date").asc(nulls_last=True),
            "number", "pk")
        rows = sorted(notes, key=lambda note: note.driver_id != user.pk)  # mine first, stable
        if bound is not None and bound.note.pk not in {note.pk for note in rows}:
            rows.insert(0, bound.note)  # refused as typed: shown with its errors all the same
        require_proof = settings_read(firm=user.firm).delivery.require_delivery_confirmation
        context.update({
            "notes": [self.note_context(note, today=today, form=bound if bound is not None
                                        and bound.note.pk == note.pk else None)
                      for note in rows],
            "who": who, "one_note": chosen.isdigit(), "today": today,
            "require_proof": require_proof,
            "failure_reasons": FailureReason.choices,
        })
        return context

    def note_context(self, note: DeliveryNote, *, today: datetime.date,
                     form: RunNoteForm | None) -> dict:
        form = form or RunNoteForm(note=note)
        address = note.shipping_address_snapshot or {}
        arabic = get_language() == "ar"

        def part(key: str) -> str:
            return (arabic and address.get(f"{key}_ar")) or address.get(key) or ""

        phone = note.contact_phone or ""
        return {
            "note": note, "form": form, "lines": form.lines(),
            "customer": local(note, "customer_name"),
            "address": [text for text in (
                part("address_line1"), address.get("address_line2", ""),
                " ".join(filter(None, [part("city"), address.get("region", ""),
                                       address.get("postal_code", "")])))
                if text],
            "map_url": note.map_url,
            "contact": note.contact_name, "phone": phone,
            "tel": "tel:" + re.sub(r"[^\d+]", "", phone) if phone else "",
            "mine": note.driver_id == self.request.user.pk,
            "late": note.estimated_delivery_date is not None
            and note.estimated_delivery_date < today,
            "record_url": reverse("delivery:run_sheet_record", args=[note.pk]),
        }


class RunSheetRecordView(RunSheetMixin, generic.View):
    """POST one note's outcome: delivered (delivery_note_deliver, idempotent by its key) or a
    failed attempt (delivery_note_fail_attempt, answered again from the cache for a key already
    recorded). JSON for the run sheet's script; a redirect, or the sheet with the errors,
    without it."""

    def post(self, request, pk: int):
        note = get_object_or_404(self.get_queryset().prefetch_related("lines"), pk=pk)
        form = RunNoteForm(request.POST, request.FILES, note=note)
        if not form.is_valid():
            errors = {key: [str(text) for text in value] for key, value in form.errors.items()}
            body = {"ok": False, "code": "validation_error", "errors": errors,
                    "message": " ".join(text for value in errors.values() for text in value)}
            return self.refused(request, form, body, 400)
        data = form.cleaned_data
        key = data["idempotency_key"].strip()
        try:
            if data["outcome"] == RunNoteForm.DELIVERED:
                moved = services.delivery_note_deliver(
                    note=note, actor=request.user, received_by=data["received_by"],
                    received_by_title=data["received_by_title"],
                    signature=data["signature"] or None, photos=data["photos"],
                    lines={line.pk: line.quantity_to_deliver if data[name] is None
                           else data[name] for line, name in form.line_fields},
                    idempotency_key=key, latitude=data["latitude"],
                    longitude=data["longitude"])
                action = DELIVERY_NOTE_ACTIONS.get("deliver")
            else:
                moved = self.fail_attempt(note, data, key=key)
                action = DELIVERY_NOTE_ACTIONS.get("fail_attempt")
        except (ApplicationError, ValidationError) as error:
            body, code = refusal(error)
            body["errors"] = {field_name(name): texts for name, texts in body["errors"].items()}
            form.service_errors(body["errors"])
            return self.refused(request, form, body, code)
        message = str(action.success_message(moved))
        if wants_json(request):
            return JsonResponse({"ok": True, "message": message, "status": moved.status,
                                 "status_label": status_label(moved, moved.status)})
        messages.success(request, f"{moved.number}: {message}")
        return HttpResponseRedirect(safe_next(request, reverse("delivery:run_sheet")))

    def fail_attempt(self, note: DeliveryNote, data: dict, *, key: str) -> DeliveryNote:
        """The attempt recorded once per key: photos of the door first (the note is still in
        transit for them), then the attempt, in one transaction."""
        cache_key = f"delivery:run-sheet:failed:{note.pk}:{key}"
        if key and cache.get(cache_key):
            return DeliveryNote.objects.get(pk=note.pk)
        try:
            with transaction.atomic():
                if data["photos"]:
                    note = services.delivery_note_proof_add(note=note, actor=self.request.user,
                                                            photos=data["photos"])
                moved = services.delivery_note_fail_attempt(
                    note=note, actor=self.request.user, failure_reason=data["failure_reason"],
                    reason=data["notes"], latitude=data["latitude"],
                    longitude=data["longitude"])
        except InvalidTransition:
            # The same request sent twice at once: the first one's answer.
            if key and cache.get(cache_key):
                return DeliveryNote.objects.get(pk=note.pk)
            raise
        if key:
            cache.set(cache_key, True, FAILED_KEY_SECONDS)
        return moved

    def refused(self, request, form: RunNoteForm, body: dict, code: int):
        if wants_json(request):
            return JsonResponse(body, status=code)
        # Without the script: the sheet again, this note's form as typed with its errors.
        view = RunSheetView()
        view.setup(request)
        context = view.get_context_data(bound=form)
        return render(request, view.template_name, context, status=code)


urlpatterns = [
    path("board/", DispatchBoardView.as_view(), name="board"),
    path("board/<int:pk>/move/", BoardMoveView.as_view(), name="board_move"),
    path("run/", RunSheetView.as_view(), name="run_sheet"),
    path("run/<int:pk>/", RunSheetRecordView.as_view(), name="run_sheet_record"),
]
