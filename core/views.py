"""Core staff pages: home, users, sales settings."""

import json
from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from djangorestframework_camel_case.util import underscoreize
from rest_framework import serializers as drf
from rest_framework.exceptions import ValidationError

from . import services
from .api.exceptions import flatten_errors
from .api.renderers import JSONRenderer
from .api.views import UserFilter, UserViewSet
from .errors import ApplicationError
from .forms import SettingsImportForm, SignInForm, UserForm
from .models import User
from .sales_settings import SECTIONS
from .staff import Column, StaffDetailView, StaffFormView, StaffListView


class LoginView(auth_views.LoginView):
    """Django's sign-in page behind the guards every sign-in door shares (core.auth): the
    address budget and the account lock. A refused attempt never reaches authentication."""

    redirect_authenticated_user = True
    form_class = SignInForm

    def form_invalid(self, form):
        return _refused_or(super().form_invalid(form), form)


def admin_login(request, extra_context=None):
    """The admin site's sign-in (`admin.site.login_form` is AdminSignInForm), answering 429
    like the other doors when the guards refuse."""
    response = admin.site.login(request, extra_context)
    return _refused_or(response, getattr(response, "context_data", {}).get("form"))


def _refused_or(response, form):
    """A sign-in page refused by the guards is a 429, not a plain wrong password's 200."""
    if getattr(form, "refused", False):
        response.status_code = 429
    return response


@login_required
def home(request):
    return render(request, "core/home.html")


class UserViewMixin:
    model = User
    url_namespace = "core"


class UserListView(UserViewMixin, StaffListView):
    filterset_class = UserFilter
    api_list_url_name = "core-api:user-list"
    search_fields = UserViewSet.search_fields
    sort_fields = UserViewSet.sort_fields
    default_sort = UserViewSet.default_sort
    columns = [
        Column(_("Username"), "username", sort="username", link=True),
        Column(_("Name"), lambda user: user.get_full_name(), sort="lastName"),
        Column(_("Role"), "role", sort="role"),
        Column(_("Email"), "email"),
        Column(_("Active"), "is_active"),
    ]


class UserDetailView(UserViewMixin, StaffDetailView):
    fields = [
        Column(_("Username"), "username"),
        Column(_("Name"), lambda user: user.get_full_name()),
        Column(_("Email"), "email"),
        Column(_("Role"), "role"),
        Column(_("Language"), "language"),
        Column(_("Email notifications"), "email_notifications"),
        Column(_("Active"), "is_active"),
        Column(_("Last login"), "last_login"),
        Column(_("Joined"), "date_joined"),
    ]


class UserFormView(UserViewMixin, StaffFormView):
    form_class = UserForm

    def save(self, form) -> User:
        data = dict(form.cleaned_data)
        password = data.pop("password", "") or None
        if self.object is None:
            return services.user_create(firm=self.request.user.firm, actor=self.request.user,
                                        password=password, **data)
        data.pop("username", None)
        return services.user_update(user=self.object, actor=self.request.user,
                                    password=password, **data)


# --- sales settings -------------------------------------------------------------------------

SECTION_LABELS = {
    "general": _("General"), "quotes": _("Quotes"), "orders": _("Sales orders"),
    "pricing": _("Pricing"), "discounts": _("Discounts"), "commissions": _("Commissions"),
    "delivery": _("Delivery"), "returns": _("Returns"), "tax": _("Tax"),
    "documents": _("Documents"), "sequences": _("Numbering"),
}


def _settings_context(request, *, section: str, errors: dict | None = None,
                      posted: dict | None = None) -> dict:
    firm = request.user.firm
    payload = services.settings_payload(firm=firm)
    users = list(firm.users.filter(is_active=True).order_by("first_name", "username"))
    values = posted if posted is not None else payload[section]
    return {
        "sections": [{"name": name, "label": SECTION_LABELS[name]} for name in SECTIONS],
        "section": section,
        "section_label": SECTION_LABELS[section],
        "fields": _settings_fields(SECTIONS[section](), values, errors or {}, users),
        "can_change": request.user.has_perm("core.change_salessettings"),
        "import_form": SettingsImportForm(),
        "history": services.settings_row(firm=firm).history.select_related(
            "history_user").order_by("-history_id")[:20],
    }


@login_required
@permission_required("core.view_salessettings", raise_exception=True)
def settings_page(request, section: str = "general"):
    if section not in SECTIONS:
        raise Http404
    if request.method == "POST":
        if not request.user.has_perm("core.change_salessettings"):
            raise PermissionDenied
        posted = _parse_section(request.POST, SECTIONS[section]())
        try:
            services.settings_update(firm=request.user.firm, changes={section: posted},
                                     actor=request.user,
                                     reason=request.POST.get("reason", "").strip())
        except ValidationError as error:
            errors = {key.split(".", 1)[1] if "." in key else key: value
                      for key, value in flatten_errors(error.detail, camel=False).items()}
            messages.error(request, _("The settings were not saved: correct the marked fields."))
            context = _settings_context(request, section=section, errors=errors, posted=posted)
            return render(request, "core/settings.html", context, status=400)
        messages.success(request, _("Settings saved."))
        return HttpResponseRedirect(reverse("core:settings_section", args=[section]))
    return render(request, "core/settings.html", _settings_context(request, section=section))


def _settings_fields(serializer, values: dict, errors: dict, users: list,
                     prefix: str = "") -> list[dict]:
    """What the settings template needs to draw each field of a section."""
    fields = []
    for name, field in serializer.fields.items():
        key = f"{prefix}{name}"
        entry = {"name": key, "label": field.label, "value": values.get(name),
                 "errors": errors.get(key, []), "help": field.help_text or ""}
        if isinstance(field, drf.Serializer):
            entry.update(kind="group", fields=_settings_fields(
                field, values.get(name) or {}, errors, users, prefix=f"{key}."))
        elif isinstance(field, drf.BooleanField):
            entry.update(kind="checkbox")
        elif isinstance(field, drf.ChoiceField):
            entry.update(kind="select", choices=list(field.choices.items()))
        elif isinstance(field, drf.ListField):
            selected = {str(pk) for pk in values.get(name) or []}
            entry.update(kind="users", choices=[(str(user.pk), str(user), str(user.pk) in
                                                 selected) for user in users])
        elif isinstance(field, drf.IntegerField | drf.DecimalField):
            entry.update(kind="number", min=field.min_value, max=field.max_value,
                         step="1" if isinstance(field, drf.IntegerField) else "0.01",
                         value=_plain_number(values.get(name)))
        else:
            long_text = (field.max_length or 0) > 200
            entry.update(kind="textarea" if long_text else "text", max=field.max_length)
        fields.append(entry)
    return fields


def _plain_number(value) -> str:
    """A number as <input type=number> takes it: no locale separators, no trailing zeros."""
    if value in (None, ""):
        return ""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)  # what the user typed, shown back beside its error


def _parse_section(data, serializer) -> dict:
    """Form fields -> section values: nested configs are posted as `quote.prefix`."""
    values: dict = {}
    for name, field in serializer.fields.items():
        if isinstance(field, drf.Serializer):
            values[name] = {sub: data.get(f"{name}.{sub}") for sub in field.fields
                            if f"{name}.{sub}" in data}
        elif isinstance(field, drf.ListField):
            values[name] = [value for value in data.getlist(name) if value]
        elif name in data:
            value = data.get(name)
            values[name] = None if value == "" and getattr(field, "allow_null", False) else value
    return values


@login_required
@require_POST
@permission_required("core.change_salessettings", raise_exception=True)
def settings_reset(request, section: str):
    try:
        services.settings_reset_section(firm=request.user.firm, section=section,
                                        actor=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("core:settings"))
    messages.success(request, _("Section reset to its defaults."))
    return HttpResponseRedirect(reverse("core:settings_section", args=[section]))


@login_required
@permission_required("core.view_salessettings", raise_exception=True)
def settings_export(request):
    document = services.settings_export_document(firm=request.user.firm)
    # Rendered like the API's export (camelCase, numbers), so either import takes it.
    response = HttpResponse(JSONRenderer().render(document), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="sales-settings-{request.user.firm.slug}.json"')
    return response


@login_required
@require_POST
@permission_required("core.change_salessettings", raise_exception=True)
def settings_import(request):
    form = SettingsImportForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValueError
        document = json.loads(form.cleaned_data["file"].read().decode("utf-8"))
        sections = document.get("settings") if isinstance(document, dict) else None
        if not isinstance(sections, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        messages.error(request, _("That file is not an exported settings document."))
        return HttpResponseRedirect(reverse("core:settings"))
    try:
        services.settings_import(firm=request.user.firm, document=underscoreize(sections),
                                 actor=request.user)
    except ValidationError as error:
        problems = "; ".join(f"{key}: {' '.join(value)}"
                             for key, value in flatten_errors(error.detail).items())
        messages.error(request, _("Nothing was imported: %(problems)s") % {"problems": problems})
    else:
        messages.success(request, _("Settings imported."))
    return HttpResponseRedirect(reverse("core:settings"))
