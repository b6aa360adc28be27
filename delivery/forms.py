"""Staff forms of the delivery note pages. They parse input only: the views hand the cleaned
data to delivery.services, which checks quantities under the order's locks, re-encodes proof
images and saves (architecture §5.1).

The action forms (delivery.actions declares which action takes which) clean to exactly the
keyword arguments of the action's service: `reason` aside, which the kit passes itself.
"""

import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import QUANTITY
from core.forms import DATE, DATETIME, DirectionsMixin, ReasonForm, StaffModelForm, firm_users
from core.models import User
from core.money import quantity_text
from core.scoping import scope_for
from sales.invoicing.models import Invoice
from sales.orders.models import SalesOrder, SalesOrderLine

from .choices import FailureReason, LengthUnit, WeightUnit
from .models import DeliveryNote, DeliveryNoteLine

MEASURE = {"max_digits": 10, "decimal_places": 3, "min_value": Decimal("0"), "required": False}
# As many photos in one go as the API takes (delivery.api.serializers.ProofSerializer).
MAX_PHOTOS = 10
IMAGE = {"accept": "image/*"}


def _text(rows: int = 2, *, rtl: bool = False) -> forms.Textarea:
    attrs: dict[str, Any] = {"rows": rows}
    if rtl:
        attrs["dir"] = "rtl"
    return forms.Textarea(attrs=attrs)


def _quantity_initial(value: Decimal) -> str:
    # 10, not 10.0000 nor 1E+1.
    return quantity_text(value)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (`photos`), cleaned to a list (empty when none)."""

    def __init__(self, *args, max_files: int = MAX_PHOTOS, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={**IMAGE}))
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        if len(files) > self.max_files:
            raise forms.ValidationError(_("At most %(count)s photos at once.")
                                        % {"count": self.max_files})
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


# --- the actions' confirm forms ---------------------------------------------------------------


class NoteActionForm(DirectionsMixin, ReasonForm):
    """An action's input on its confirm page, with the kit's reason (removed by the view for
    an action that takes none)."""

    takes_document = True

    def __init__(self, *args, document: DeliveryNote, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.document, self.user = document, user
        # The reason comes last, under the action's own fields.
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])


class PackForm(NoteActionForm):
    """picking → packed: the parcel as weighed and measured."""

    number_of_packages = forms.IntegerField(label=_("Packages"), min_value=1, max_value=32767)
    weight = forms.DecimalField(label=_("Weight"), **MEASURE)
    weight_unit = forms.ChoiceField(label=_("Weight unit"), choices=WeightUnit.choices)
    length = forms.DecimalField(label=_("Length"), **MEASURE)
    width = forms.DecimalField(label=_("Width"), **MEASURE)
    height = forms.DecimalField(label=_("Height"), **MEASURE)
    dimension_unit = forms.ChoiceField(label=_("Dimension unit"), choices=LengthUnit.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("number_of_packages", "weight", "weight_unit", "length", "width",
                     "height", "dimension_unit"):
            value = getattr(self.document, name)
            self.fields[name].initial = value.normalize() if isinstance(value, Decimal) \
                else value


class ShipForm(NoteActionForm):
    """packed → in transit: who carries it and how the customer follows it."""

    carrier = forms.CharField(label=_("Carrier"), max_length=60, required=False)
    carrier_service = forms.CharField(label=_("Carrier service"), max_length=60,
                                      required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100,
                                      required=False)
    tracking_url = forms.URLField(label=_("Tracking URL"), max_length=500, required=False,
                                  assume_scheme="https")
    estimated_delivery_date = forms.DateField(label=_("Estimated delivery date"),
                                              required=False, widget=DATE)
    driver = forms.ModelChoiceField(label=_("Driver"), queryset=User.objects.none(),
                                    required=False,
                                    help_text=_("A user of the firm: the run sheet is theirs."))
    driver_name = forms.CharField(label=_("Driver name"), max_length=150, required=False,
                                  help_text=_("Left empty: the driver's name."))
    driver_phone = forms.CharField(label=_("Driver phone"), max_length=40, required=False)
    vehicle_plate = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        note = self.document
        self.fields["driver"].queryset = firm_users(self.user, include=note.driver_id)
        for name in ("carrier", "carrier_service", "tracking_number", "tracking_url",
                     "estimated_delivery_date", "driver_name", "driver_phone",
                     "vehicle_plate"):
            self.fields[name].initial = getattr(note, name)
        self.fields["driver"].initial = note.driver_id
        for name in ("tracking_url", "driver_phone", "tracking_number", "vehicle_plate"):
            self.fields[name].widget.attrs["dir"] = "ltr"


def line_field(line: DeliveryNoteLine) -> str:
    return f"line_{line.pk}"


class DeliverForm(NoteActionForm):
    """in transit → delivered: who received the goods, their signature and photos, and the
    quantity that arrived of each line (what was planned unless changed)."""

    received_by = forms.CharField(label=_("Received by"), max_length=150, required=False,
                                  help_text=_("The person who took the goods."))
    received_by_title = forms.CharField(label=_("Receiver's title"), max_length=100,
                                        required=False)
    signature = forms.FileField(label=_("Signature"), required=False,
                                widget=forms.FileInput(attrs={**IMAGE}),
                                help_text=_("A picture of the signed note or of the "
                                            "signature (PNG or JPEG)."))
    photos = MultipleFileField(label=_("Photos"), required=False,
                               help_text=_("Of the goods at the door; several at once."))
    delivered_at = forms.DateTimeField(label=_("Delivered at"), required=False,
                                       widget=DATETIME,
                                       input_formats=["%Y-%m-%dT%H:%M",
                                                      *forms.DateTimeField.input_formats],
                                       help_text=_("Now when left empty."))
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False,
                            widget=_text())
    # The same form posted twice (a double click, a retry) records the delivery once.
    idempotency_key = forms.CharField(max_length=80, required=False,
                                      widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = secrets.token_hex(16)
        self.lines = list(self.document.lines.order_by("position", "pk"))
        for line in self.lines:
            field = forms.DecimalField(label=line.description, **QUANTITY,
                                       min_value=Decimal("0"),
                                       initial=_quantity_initial(line.quantity_to_deliver))
            field.widget.attrs.update({"step": "any", "class": "text-end"})
            self.fields[line_field(line)] = field

    def line_fields(self) -> list[tuple[DeliveryNoteLine, forms.BoundField]]:
        return [(line, self[line_field(line)]) for line in self.lines]

    def main_fields(self) -> list[forms.BoundField]:
        """The fields besides the lines' quantities, in order."""
        names = {line_field(line) for line in self.lines}
        return [field for field in self.visible_fields() if field.name not in names]

    def clean(self) -> dict:
        data = super().clean()
        lines = {}
        for line in self.lines:
            value = data.pop(line_field(line), None)
            if value is not None:
                lines[line.pk] = value
        data["lines"] = lines
        return data

    def error_field(self, key: str) -> str | None:
        """The field a service's error key names: `lines.<note line id>.quantity`,
        `photos.<n>`, or a field of the form."""
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            name = f"line_{parts[1]}"
            return name if name in self.fields else None
        if parts[0] == "photos":
            return "photos"
        return key if key in self.fields else None


class FailAttemptForm(NoteActionForm):
    """in transit → packed again: why nobody took the goods."""

    failure_reason = forms.ChoiceField(label=_("Why did the attempt fail?"),
                                       choices=FailureReason.choices)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields.get("reason")
        if reason is not None:
            reason.label = _("Details")


class ProofForm(forms.Form):
    """Proof added after the fact to a note in transit or delivered (the signed paper scanned
    later, photos the driver sends back)."""

    signature = forms.FileField(label=_("Signature"), required=False,
                                widget=forms.FileInput(attrs={**IMAGE}),
                                help_text=_("Replaces the signature on file."))
    photos = MultipleFileField(label=_("Photos"), required=False)
    document = forms.FileField(label=_("Signed delivery note (scan)"), required=False,
                               widget=forms.FileInput(attrs={**IMAGE}))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "proof")
        super().__init__(*args, **kwargs)

    def error_field(self, key: str) -> str | None:
        name = key.split(".")[0]
        return name if name in self.fields else None


# --- create and edit ------------------------------------------------------------------------


def _serials(text: str) -> list[str]:
    """Serial numbers typed as a list: separated by commas or new lines."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class NoteLinesForm(forms.Form):
    """A quantity to deliver of each order line (what remains proposed), with its warehouse,
    serial numbers and batch. `rows`: `{"line": order line, "remaining": Decimal, "planned":
    the note's line or None}`. A line left empty or at 0 is not on the note."""

    def __init__(self, *args, rows: list[dict], propose: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            line, planned = row["line"], row.get("planned")
            if planned is not None:
                initial = _quantity_initial(planned.quantity_to_deliver)
            elif propose:
                initial = _quantity_initial(row["remaining"])
            else:
                initial = None
            quantity = forms.DecimalField(label=_("To deliver"), **QUANTITY, required=False,
                                          min_value=Decimal("0"), initial=initial)
            quantity.widget.attrs.update({"step": "any", "class": "text-end"})
            self.fields[f"quantity_{line.pk}"] = quantity
            self.fields[f"warehouse_{line.pk}"] = forms.CharField(
                label=_("Warehouse"), max_length=100, required=False,
                initial=planned.warehouse if planned else "")
            self.fields[f"serials_{line.pk}"] = forms.CharField(
                label=_("Serial numbers"), required=False, max_length=20000,
                help_text=_("Separated by commas."),
                initial=", ".join(planned.serial_numbers) if planned else "")
            self.fields[f"batch_{line.pk}"] = forms.CharField(
                label=_("Batch"), max_length=60, required=False,
                initial=planned.batch_number if planned else "")
            for name in ("serials", "batch"):
                self.fields[f"{name}_{line.pk}"].widget.attrs["dir"] = "ltr"

    def line_rows(self) -> list[dict]:
        return [{**row, **{name: self[f"{name}_{row['line'].pk}"]
                           for name in ("quantity", "warehouse", "serials", "batch")}}
                for row in self.rows]

    def chosen(self) -> list[dict]:
        """The lines as delivery_note_create takes them, for those given a quantity."""
        rows = []
        for row in self.rows:
            pk = row["line"].pk
            quantity = self.cleaned_data.get(f"quantity_{pk}")
            if not quantity:
                continue
            rows.append({"order_line_id": pk, "quantity": quantity,
                         "warehouse": self.cleaned_data.get(f"warehouse_{pk}", ""),
                         "serial_numbers": _serials(self.cleaned_data.get(f"serials_{pk}", "")),
                         "batch_number": self.cleaned_data.get(f"batch_{pk}", "")})
        return rows

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not self.chosen():
            raise forms.ValidationError(_("Give a quantity to deliver for at least one line."))
        return data

    def place_errors(self, chosen: list[dict], details: dict) -> bool:
        """A service's `lines.N.<field>` errors beside the N-th chosen line's field; answers
        whether any found its place."""
        names = {"quantity": "quantity", "order_line_id": "quantity", "warehouse": "warehouse",
                 "serial_numbers": "serials", "batch_number": "batch"}
        placed = False
        for key, problems in details.items():
            parts = str(key).split(".")
            if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() \
                    and int(parts[1]) < len(chosen) and parts[2] in names:
                pk = chosen[int(parts[1])]["order_line_id"]
                self.add_error(f"{names[parts[2]]}_{pk}", [str(problem) for problem in (
                    problems if isinstance(problems, list) else [problems])])
                placed = True
        return placed


class DeliveryNoteForm(StaffModelForm):
    """A note's own fields: a new note's dates, carrier and texts; a draft's every field; an
    open note's logistics and texts (the services refuse the rest)."""

    fieldsets = [
        (_("Dates"), ["delivery_date", "scheduled_date", "estimated_delivery_date"]),
        (_("Address and contact"), ["shipping_address", "contact", "contact_name",
                                    "contact_phone"]),
        (_("Carrier"), ["carrier", "carrier_service", "shipping_method", "tracking_number",
                        "tracking_url", "shipping_cost"]),
        (_("Parcel"), ["number_of_packages", "weight", "weight_unit", "length", "width",
                       "height", "dimension_unit"]),
        (_("Driver"), ["driver", "driver_name", "driver_phone", "vehicle_plate"]),
        (_("Texts"), ["special_instructions", "notes", "notes_ar", "internal_notes"]),
        (_("Invoice"), ["invoice"]),
    ]
    tracking_url = forms.URLField(label=_("Tracking URL"), max_length=500, required=False,
                                  assume_scheme="https")

    NEW = ["scheduled_date", "estimated_delivery_date", "carrier", "special_instructions",
           "notes", "notes_ar", "internal_notes"]
    OPEN = [name for _legend, names in fieldsets for name in names
            if name not in ("delivery_date", "shipping_address")]
    DRAFT = [*OPEN, "delivery_date", "shipping_address"]

    class Meta:
        model = DeliveryNote
        fields = ["delivery_date", "scheduled_date", "estimated_delivery_date",
                  "shipping_address", "contact", "contact_name", "contact_phone", "carrier",
                  "carrier_service", "shipping_method", "tracking_number", "tracking_url",
                  "shipping_cost", "number_of_packages", "weight", "weight_unit", "length",
                  "width", "height", "dimension_unit", "driver", "driver_name",
                  "driver_phone", "vehicle_plate", "special_instructions", "notes",
                  "notes_ar", "internal_notes", "invoice"]
        widgets = {"special_instructions": _text(), "notes": _text(),
                   "notes_ar": _text(rtl=True), "internal_notes": _text()}

    def __init__(self, *args, user, order: SalesOrder, only: list[str], **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields = {name: field for name, field in self.fields.items() if name in only}
        customer_id = order.customer_id
        if "shipping_address" in self.fields:
            self.fields["shipping_address"].queryset = self.fields[
                "shipping_address"].queryset.filter(customer_id=customer_id)
        if "contact" in self.fields:
            self.fields["contact"].queryset = self.fields["contact"].queryset.filter(
                customer_id=customer_id)
        if "invoice" in self.fields:
            self.fields["invoice"].queryset = scope_for(Invoice.objects.all(), user=user
                                                        ).filter(order_id=order.pk)
        for name in ("tracking_url", "tracking_number", "contact_phone", "driver_phone",
                     "vehicle_plate"):
            if name in self.fields:
                self.fields[name].widget.attrs["dir"] = "ltr"

    def error_field(self, key: str) -> str | None:
        return key if key in self.fields else None


class OrderChoiceForm(forms.Form):
    """The order a new note delivers, among the confirmed orders the user reaches."""

    order = forms.ModelChoiceField(label=_("Sales order to deliver"),
                                   queryset=SalesOrder.objects.none(),
                                   error_messages={"required": _("Choose a sales order.")})

    def __init__(self, *args, user, statuses: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = scope_for(SalesOrder.objects.all(), user=user).filter(
            status__in=statuses).select_related("customer").order_by("-pk")
        self.fields["order"].label_from_instance = lambda order: (
            f"{order.number} · {order.customer_name or order.customer.name} · "
            f"{order.get_status_display()}")


def order_line_rows(order: SalesOrder, remaining: dict[int, Decimal],
                    planned: dict[int, DeliveryNoteLine] | None = None) -> list[dict]:
    """The order's lines a note may take: those with something left to plan, and those the
    note already has."""
    planned = planned or {}
    lines = SalesOrderLine.objects.filter(order=order).select_related("product").order_by(
        "position", "pk")
    return [{"line": line, "remaining": remaining.get(line.pk, Decimal("0")),
             "planned": planned.get(line.pk)}
            for line in lines if remaining.get(line.pk) or line.pk in planned]
