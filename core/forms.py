"""Forms of the staff pages: the shared building blocks every app's forms use (firm-scoped
choices, date pickers, text direction, service errors shown where they belong, formset rows)
and core's own forms (users, settings import).

Forms parse input only: each view hands the cleaned data to a service, which validates the
whole record (full_clean, firm checks) and saves it. Every form takes the logged-in `user`.
"""

import copy
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BaseCSVWidget

from .auth import sign_in_refusal
from .dates import IsoDateInput, IsoDateTimeInput
from .models import USERNAME_REFUSED, User

DATE = IsoDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = IsoDateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReferenceSelect(BaseCSVWidget, forms.Select):
    """A select for the FilterSets' comma-list reference filters (`?assignedTo=3`)."""


def firm_users(user: User, *, include: int | None = None) -> models.QuerySet:
    """Active users of the user's firm (plus `include`, a current value that may be inactive)."""
    condition = models.Q(is_active=True)
    if include:
        condition |= models.Q(pk=include)
    return User.objects.filter(firm_id=user.firm_id).filter(condition).order_by(
        "first_name", "last_name", "username")


def firm_rows(queryset: models.QuerySet, user: User) -> models.QuerySet:
    """The rows of `queryset` in the user's firm."""
    if queryset.model is User:
        return queryset.filter(firm_id=user.firm_id, is_active=True)
    if any(field.name == "firm" for field in queryset.model._meta.fields):
        return queryset.filter(firm_id=user.firm_id)
    return queryset.none()


def set_directions(form: forms.BaseForm) -> None:
    """Text typed in either language reads the right way round: free text follows its first
    letter (dir=auto), e-mail addresses, links and phone numbers are always left to right."""
    for name, field in form.fields.items():
        widget = field.widget
        if "dir" in widget.attrs:
            continue
        if isinstance(widget, forms.EmailInput | forms.URLInput) or name == "phone":
            widget.attrs["dir"] = "ltr"
        elif isinstance(widget, forms.TextInput | forms.Textarea):
            widget.attrs["dir"] = "auto"


class DirectionsMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        set_directions(self)


class StaffModelForm(forms.ModelForm):
    """Firm-scoped choices; the model's own validation is left to the service (it runs
    full_clean on the record it builds, so the form and the API agree)."""

    # (legend, [field names]) to draw the form in groups; empty: one group of every field.
    fieldsets: list[tuple[Any, list[str]]] = []
    date_fields: tuple[str, ...] = ()

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                if field.queryset.model is User:
                    current = getattr(self.instance, f"{name}_id", None)
                    field.queryset = firm_users(user, include=current)
                else:
                    field.queryset = firm_rows(field.queryset, user)
            if isinstance(field, forms.DateTimeField):
                field.widget = _widget(DATETIME, field)
                field.input_formats = ["%Y-%m-%dT%H:%M", *forms.DateTimeField.input_formats]
            elif isinstance(field, forms.DateField):
                field.widget = _widget(DATE, field)
        set_directions(self)

    def _post_clean(self) -> None:
        # No construct_instance/full_clean here: the service validates the record it saves.
        pass

    def changes(self) -> dict[str, Any]:
        """The cleaned values the service takes (disabled fields left out)."""
        return {name: value for name, value in self.cleaned_data.items()
                if name in self.fields and not self.fields[name].disabled}

    def groups(self) -> list[dict]:
        """The fieldsets as the template draws them, fields left out of every group last."""
        if not self.fieldsets:
            return [{"legend": "", "fields": [self[name] for name in self.fields
                                              if not self[name].is_hidden]}]
        listed: set[str] = set()
        groups = []
        for legend, names in self.fieldsets:
            present = [name for name in names if name in self.fields]
            listed.update(present)
            if present:
                groups.append({"legend": legend, "fields": [self[name] for name in present]})
        rest = [self[name] for name in self.fields if name not in listed
                and not self[name].is_hidden]
        if rest:
            groups.append({"legend": _("Other"), "fields": rest})
        return groups


def _widget(template: forms.Widget, field: forms.Field) -> forms.Widget:
    """A browser date picker in place of the text box, keeping the field's required flag."""
    widget = copy.deepcopy(template)
    widget.is_required = field.required
    return widget


def apply_errors(form: forms.BaseForm, error: ValidationError,
                 rows: dict[str, list[forms.BaseForm]] | None = None,
                 labels: dict[str, Any] | None = None) -> None:
    """Show a service's ValidationError on the form: a field's message beside the field, a
    nested row's (`addresses.1.city`) on that row's form, anything else above the form
    (named by `labels`, the formsets' titles, or the model field's name)."""
    rows, labels = rows or {}, labels or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        parts = key.split(".")
        if key != NON_FIELD_ERRORS and key in form.fields:
            form.add_error(key, messages)
        elif parts[0] in rows and len(parts) == 3 and parts[1].isdigit():
            index, field = int(parts[1]), parts[2]
            targets = rows[parts[0]]
            target = targets[index] if index < len(targets) else None
            if target is not None and field in target.fields \
                    and not target[field].is_hidden:
                target.add_error(field, messages)
            elif target is not None:
                target.add_error(None, messages)
            else:
                form.add_error(None, messages)
        elif key == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            label = labels.get(parts[0]) or _field_label(form, parts[0])
            form.add_error(None, [f"{label}: {message}" for message in messages])


def _field_label(form: forms.BaseForm, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            return str(model._meta.get_field(name).verbose_name).capitalize()
        except FieldDoesNotExist:  # a key that is not a model field shows as it is
            return name
    return name


def formset_rows(formset: forms.BaseFormSet, fields: list[str]
                 ) -> tuple[list[dict], list[forms.BaseForm]]:
    """A valid formset as the service's nested rows (`id` for existing ones), and the form of
    each row (so the service's `name.index.field` errors find their row). Blank extra rows
    and rows marked for deletion are left out: the service removes children not listed."""
    rows, forms_of_rows = [], []
    ordered = list(formset.forms)
    if formset.can_order:
        # The ORDER column sorts the rows; rows left without a number keep their place last.
        ordered.sort(key=lambda form: (form.cleaned_data.get("ORDER") is None,
                                       form.cleaned_data.get("ORDER") or 0))
    for form in ordered:
        pk = _row_pk(form)
        if pk is None and not form.has_changed():
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        row = {name: form.cleaned_data.get(name) for name in fields}
        if pk is not None:
            row["id"] = pk
        rows.append(row)
        forms_of_rows.append(form)
    return rows, forms_of_rows


def _row_pk(form: forms.BaseForm) -> int | None:
    instance = getattr(form, "instance", None)
    if instance is not None:
        return instance.pk
    value = form.cleaned_data.get("id") if hasattr(form, "cleaned_data") else None
    return value or None



class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), required=False,
        help_text=password_validators_help_text_html(),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "language",
                  "email_notifications", "is_active"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = user
        if self.instance.pk is None:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            self.fields["username"].disabled = True
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    def _post_clean(self) -> None:
        # The service validates the whole user (firm, password rules); the form checks fields.
        pass

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        taken = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(USERNAME_REFUSED)
        return username


class SignInGuardMixin:
    """Asks the sign-in guards (core.auth) before the password is checked: a refused attempt
    never reaches authentication, so a locked account stays locked to the right password too.
    The view answers 429 when `refused` is set."""

    refused = False

    def clean(self):
        refusal = sign_in_refusal(self.request, username=self.cleaned_data.get("username") or "")
        if refusal:
            self.refused = True
            raise forms.ValidationError(refusal, code="sign_in_refused")
        return super().clean()


class SignInForm(SignInGuardMixin, AuthenticationForm):
    """The staff sign-in page's form."""


class AdminSignInForm(SignInGuardMixin, AdminAuthenticationForm):
    """The admin site's sign-in form (`admin.site.login_form`)."""


class SettingsImportForm(forms.Form):
    file = forms.FileField(label=_("Exported settings (JSON)"))


class ReasonForm(forms.Form):
    """Why an action is taken: optional unless the action requires it."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             error_messages={"required": _("Give a reason.")},
                             widget=forms.Textarea(attrs={"rows": 3}))
