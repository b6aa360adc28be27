"""Core API: token, users, the caller, health, sales settings."""

from django.conf import settings as django_settings
from django.contrib.auth import authenticate, update_session_auth_hash
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core import services
from core.auth import account_locked, sign_in_succeeded
from core.choices import Role
from core.dates import DateFormField
from core.errors import ErrorCode
from core.filters import CommaChoiceFilter, FilterSet
from core.models import ApiToken, SalesSettings, User
from core.sales_settings import SECTIONS, section_values

from .exceptions import error_body, flatten_errors, request_limit_error
from .responses import envelope
from .serializers import (
    ApiTokenSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from .viewsets import BaseViewSet, TenantModelViewSet


class TokenView(APIView):
    """`POST`: exchange a username and password for a new API token. `DELETE`: revoke the
    token the request is made with (signing out)."""

    throttle_scope = "auth"
    data_key = "token"
    schema_errors = {
        "401": "Wrong username or password, an inactive user or one without a firm "
               "(not_authenticated).",
        "429": "Too many sign-in attempts from this address, or too many failures for this "
               "account from it (throttled).",
    }

    # Signing in takes no credentials (a stale token in the header must not stop a new
    # sign-in) and spends the sign-in budget; revoking needs the token and spends nothing.
    signing_in = False

    def initialize_request(self, request, *args, **kwargs):
        self.signing_in = request.method == "POST"  # before the authenticators are chosen
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        return [] if self.signing_in else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self.signing_in else super().get_permissions()

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.signing_in else []

    def get_required_permissions(self, action: str) -> list[str]:
        return []  # every signed-in user may sign their own token out

    def get_authenticate_header(self, request) -> str:
        return "Token"  # a refused login is a 401 that names the scheme, not a 403

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer},
                   auth=[], tags=["auth"])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = serializer.validated_data
        # The address budget was spent by the throttle; the account lock is asked here,
        # before the password is checked (core.auth).
        if account_locked(request, username=credentials["username"]):
            raise Throttled(wait=django_settings.AXES_COOLOFF_TIME.total_seconds())
        user = authenticate(request, **credentials)
        if user is None or user.firm_id is None:
            raise AuthenticationFailed()
        sign_in_succeeded(request, username=credentials["username"])
        token, key = services.api_token_issue(user=user)
        return envelope({"token": key, "expires_at": token.expires_at},
                        message=_("Signed in successfully"))

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError({"non_field_errors": [
                _("This request was not made with an API token; sign out of the pages "
                  "instead.")]})
        services.api_token_revoke(token=request.auth)
        return envelope(None, message=_("Signed out: the token is revoked"))


class ApiTokenViewSet(BaseViewSet):
    """The caller's own API tokens: list them (never their keys) and revoke any."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    data_key, data_key_plural = "token", "tokens"
    required_permissions = {"list": [], "destroy": []}

    def get_queryset(self):
        # A user's tokens, whatever their firm or role; not a firm's rows, so no scope_for.
        return ApiToken.objects.filter(user=self.request.user).order_by("-created_at", "-pk")

    @extend_schema(tags=["auth"])
    def list(self, request):
        """Every unexpired token of the caller, newest first; `current` marks the one in use."""
        page = self.paginate_queryset(self.get_queryset().unexpired())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(tags=["auth"])
    def destroy(self, request, pk=None):
        services.api_token_revoke(token=self.get_object())
        return envelope(None, message=_("Token revoked"))


class NotFoundView(APIView):
    """Any path under /api/ that no route takes: the 404 error envelope, not Django's HTML page
    (a mistyped path or a non-numeric id like /api/v1/quotes/abc). Routed paths answer their
    own 405 for a method they lack."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None  # not an operation of the API

    def initial(self, request, *args, **kwargs):
        raise NotFound()


def bad_request(request, exception):
    """Django's handler400, for what fails before (or around) DRF's exception handler: request
    limits met while negotiating the error response itself (1,200 query parameters), in a
    middleware, ... The API answers in the error envelope; staff pages keep Django's page."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    status_code, code, message = request_limit_error(exception) or (
        400, ErrorCode.VALIDATION_ERROR, _("The input is not valid."))
    return JsonResponse(error_body(code=code, message=message), status=status_code)


class HealthView(APIView):
    """Liveness of the application and the services it needs; 503 when one is down."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    data_key = "health"

    @extend_schema(auth=[], tags=["health"], responses={200: inline_serializer(
        "Health", {name: serializers.CharField() for name in
                   ("status", "database", "cache", "broker")})})
    def get(self, request):
        checks = {"database": _check(_database), "cache": _check(_cache),
                  "broker": "eager" if django_settings.CELERY_TASK_ALWAYS_EAGER
                  else _check(_broker)}
        healthy = all(value in ("ok", "eager") for value in checks.values())
        body = {"status": "ok" if healthy else "error", **checks}
        return envelope(body, status=status.HTTP_200_OK if healthy
                        else status.HTTP_503_SERVICE_UNAVAILABLE)


def _check(probe) -> str:
    try:
        probe()
    except Exception:  # any failure means "down" to a health probe
        return "error"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("health-probe", "1", 5)
    if cache.get("health-probe") != "1":
        raise RuntimeError("cache did not keep a value")


def _broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class UserFilter(FilterSet):
    date_field = "date_joined"
    role = CommaChoiceFilter(choices=Role.choices)

    class Meta:
        model = User
        fields = ["is_active"]


class UserViewSet(TenantModelViewSet):
    """The firm's users. Deleting a user deactivates them: documents keep their names."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilter
    data_key, data_key_plural = "user", "users"
    search_fields = ["username", "first_name", "last_name", "email"]
    sort_fields = {"username": "username", "lastName": "last_name", "role": "role",
                   "dateJoined": "date_joined"}
    default_sort = "username"
    messages = {**TenantModelViewSet.messages,
                "destroy": _("%(name)s deactivated successfully")}
    # Deleting deactivates (names stay on documents): it is a change, not a deletion.
    required_permissions = {"me": [], "destroy": ["core.change_user"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        # salesPersonId reads the crm profile when that app defines it: one join, not N queries.
        return queryset.select_related("sales_person") if hasattr(User, "sales_person") \
            else queryset

    def perform_create(self, serializer):
        return services.user_create(firm=self.request.user.firm, actor=self.request.user,
                                    **serializer.validated_data)

    def perform_update(self, serializer):
        return services.user_update(user=serializer.instance, actor=self.request.user,
                                    **serializer.validated_data)

    def perform_destroy(self, instance):
        services.user_deactivate(user=instance, actor=self.request.user)

    @extend_schema(responses=MeSerializer, request=MeSerializer)
    @action(detail=False, methods=["get", "patch"], serializer_class=MeSerializer)
    def me(self, request):
        """The caller with role, firm and permissions; PATCH edits their own profile."""
        if request.method == "PATCH":
            serializer = MeSerializer(request.user, data=request.data, partial=True,
                                      context={"request": request})
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            data.pop("current_password", None)
            user = services.user_update(user=request.user, actor=request.user, **data)
            if data.get("password"):
                # Changing one's password must not sign this session out.
                update_session_auth_hash(request._request, user)
            return envelope({"user": MeSerializer(user).data},
                            message=_("Profile updated successfully"))
        return envelope({"user": MeSerializer(request.user).data})


class SettingsChangeSerializer(serializers.Serializer):
    section = serializers.CharField()
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class SettingsHistorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(allow_null=True)
    changed_by_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = SettingsChangeSerializer(many=True)


SETTINGS_BODY = inline_serializer("SalesSettingsSections", {
    name: section() for name, section in SECTIONS.items()})
SETTINGS_PERMISSIONS = {
    "view": ["core.view_salessettings"],
    "change": ["core.change_salessettings"],
}


class SalesSettingsViewSet(BaseViewSet):
    """The firm's sales settings, section by section."""

    queryset = SalesSettings.objects.all()
    data_key = "settings"
    data_key_plural = "history"
    serializer_class = SettingsHistorySerializer
    required_permissions = {
        action: SETTINGS_PERMISSIONS[kind] for action, kind in {
            "retrieve": "view", "history": "view", "export": "view", "validate": "view",
            "update": "change", "update_section": "change", "reset_section": "change",
            "import_settings": "change"}.items()}

    def _payload(self) -> dict:
        return services.settings_payload(firm=self.request.user.firm)

    def _answer(self, message=None):
        return envelope({"settings": self._payload()}, message=message)

    @extend_schema(responses=SETTINGS_BODY)
    def retrieve(self, request):
        return self._answer()

    @extend_schema(request=SETTINGS_BODY, responses=SETTINGS_BODY)
    def update(self, request):
        """Change any sections given; keys left out keep their values. All or nothing."""
        changes = dict(_object_body(request))
        reason = changes.pop("reason", "")
        services.settings_update(firm=request.user.firm, changes=changes, actor=request.user,
                                 reason=str(reason))
        return self._answer(message=_("Settings saved successfully"))

    @extend_schema(request=OpenApiTypes.OBJECT, responses=SETTINGS_BODY,
                   operation_id="settings_sales_section_update")
    def update_section(self, request, section: str):
        if section not in SECTIONS:
            raise services.UnknownSettingsSection(section=section)
        services.settings_update(firm=request.user.firm,
                                 changes={section: _object_body(request)}, actor=request.user)
        return self._answer(message=_("Settings saved successfully"))

    @extend_schema(request=None, responses=SETTINGS_BODY)
    def reset_section(self, request, section: str):
        services.settings_reset_section(firm=request.user.firm, section=section,
                                        actor=request.user)
        return self._answer(message=_("Section reset to its defaults"))

    @extend_schema(responses=SettingsHistorySerializer(many=True), parameters=[
        OpenApiParameter("startDate", OpenApiTypes.DATE, description="Changes from this day."),
        OpenApiParameter("endDate", OpenApiTypes.DATE, description="Changes up to this day."),
    ])
    def history(self, request):
        """Every change with who, when, why and the values before and after."""
        row = services.settings_row(firm=request.user.firm)
        records = _history_records(request, row.history.select_related("history_user"))
        page = self.paginate_queryset(_HistoryPage(records, every=row.history.all()))
        return self.get_paginated_response(page)

    @extend_schema(request=None, responses=inline_serializer("SettingsExport", {
        "settings": SETTINGS_BODY, "exported_at": serializers.DateTimeField(),
        "version": serializers.IntegerField()}))
    def export(self, request):
        """A JSON document that `import` takes back (here or in another firm)."""
        return envelope({"export": services.settings_export_document(firm=request.user.firm)})

    @extend_schema(request=inline_serializer("SettingsImport", {"settings": SETTINGS_BODY}),
                   responses=SETTINGS_BODY)
    def import_settings(self, request):
        """Replace every section with the exported document's, all or nothing."""
        document = request.data.get("settings") if isinstance(request.data, dict) else None
        if not isinstance(document, dict):
            raise ValidationError({"settings": [_("Expected the exported settings object.")]})
        services.settings_import(firm=request.user.firm, document=document, actor=request.user)
        return self._answer(message=_("Settings imported successfully"))

    @extend_schema(request=SETTINGS_BODY, responses=inline_serializer("SettingsValidation", {
        "valid": serializers.BooleanField(), "errors": serializers.DictField()}))
    def validate(self, request):
        """Check sections without saving them."""
        try:
            services.settings_validate(firm=request.user.firm, changes=request.data)
        except ValidationError as error:
            return envelope({"validation": {"valid": False,
                                            "errors": flatten_errors(error.detail)}})
        return envelope({"validation": {"valid": True, "errors": {}}})


def _object_body(request) -> dict:
    """The request body when it is a JSON object; anything else is a 400, never a 500."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
    return request.data


HISTORY_SORT = {"changedAt": "history_id"}


def _history_records(request, records):
    """The history list's parameters, refused with a 400 naming them as the lists do: sortBy,
    sortOrder, and startDate/endDate (given, they must be days; an empty one is refused)."""
    params = request.query_params
    errors = {}
    for name in ("startDate", "endDate"):
        if name in params:
            try:
                day = DateFormField(required=False).clean(params[name])
            except DjangoValidationError as error:
                errors[name] = error.messages
                continue
            if day is None:
                errors[name] = [_("Enter a valid date.")]
            else:
                lookup = "gte" if name == "startDate" else "lte"
                records = records.filter(**{f"history_date__date__{lookup}": day})
    sort_by, order = params.get("sortBy", "changedAt"), params.get("sortOrder", "desc")
    if sort_by not in HISTORY_SORT:
        errors["sortBy"] = [_("Sorting is possible by: %(fields)s.")
                            % {"fields": ", ".join(HISTORY_SORT)}]
    if order not in ("asc", "desc"):
        errors["sortOrder"] = [_("Must be asc or desc.")]
    if errors:
        raise ValidationError(errors)
    return records.order_by(("-" if order == "desc" else "") + HISTORY_SORT[sort_by])


class _HistoryPage:
    """History records diffed against their predecessor, sliced like a queryset.

    The predecessor of each row is the next older record of the whole history (a date filter
    or the order does not change what a record changed): the page's own rows, plus one query
    for the record just before the page's oldest.
    """

    def __init__(self, records, *, every) -> None:
        self.records, self.every = records, every

    def count(self) -> int:
        return self.records.count()

    def __getitem__(self, window: slice) -> list[dict]:
        rows = list(self.records[window])
        if not rows:
            return []
        oldest_first = sorted(rows, key=lambda record: record.history_id)
        before = self.every.filter(history_id__lt=oldest_first[0].history_id).order_by(
            "-history_id").first()
        previous = {}
        for record in oldest_first:
            previous[record.history_id], before = before, record
        return [_history_row(record, previous[record.history_id]) for record in rows]


def _history_row(record, previous) -> dict:
    """A history record with what it changed, compared as effective values (defaults filled
    in), so saving one field does not list the untouched defaults as changes."""
    changes = []
    for section in SECTIONS:
        after = section_values(section, getattr(record, section))
        before = section_values(section, getattr(previous, section)) if previous else after
        for field in after:
            if before.get(field) != after.get(field):
                changes.append({"section": section, "field": field,
                                "old": before.get(field), "new": after.get(field)})
    return {"id": record.history_id, "changed_at": record.history_date,
            "changed_by": str(record.history_user) if record.history_user else None,
            "changed_by_id": record.history_user_id, "reason": record.history_change_reason,
            "changes": changes}
