from collections.abc import Mapping
from copy import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import USERNAME_REFUSED, ApiToken, Firm, User
from core.scoping import scope_for


class FirmRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a row of the caller's firm; any other id "does not exist".

    The queryset is narrowed when the field validates (from the root serializer's request), so
    the rule holds for nested rows too (deal team members, ...).
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        firm_id = getattr(getattr(request, "user", None), "firm_id", None)
        return queryset.filter(firm_id=firm_id) if firm_id else queryset.none()


def reference(model, source: str, **kwargs) -> FirmRelatedField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", kwargs["required"] is False)
    return FirmRelatedField(queryset=model._default_manager.all(), source=source, **kwargs)


class RoundedDecimalField(serializers.DecimalField):
    """Money (2 places) and rates (4) are rounded half up, not refused, for extra places
    (docs/api.md: "parsed ... as a decimal and rounded"); too many whole digits still fail."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rounding", ROUND_HALF_UP)
        super().__init__(*args, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        if self.decimal_places is not None:
            try:
                value = value.quantize(Decimal(1).scaleb(-self.decimal_places),
                                       rounding=self.rounding)
            except InvalidOperation:
                self.fail("max_digits", max_digits=self.max_digits)
        return super().validate_precision(value)


class StrictCharField(serializers.CharField):
    """Text only: a number or a boolean for a text field is a 400 naming the field, where DRF's
    CharField would store `123` as "123". Plain serializers declare their text fields with it."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Read-only fields a client may send back whatever their value (they are ignored): the id
# is the path's and the audit stamps are the server's.
ALWAYS_IGNORED = {"id", "created_at", "updated_at"}
# Read-only fields with one value each, compared with the record's when sent; nested and
# computed ones (lists, objects) are ignored when sent.
SCALAR_FIELDS = (serializers.CharField, serializers.IntegerField, serializers.DecimalField,
                 serializers.DateField, serializers.DateTimeField, serializers.BooleanField,
                 serializers.ChoiceField, serializers.FloatField)
READ_ONLY_MESSAGE = _("This field is read-only: it changes through its own action, not here.")


class ModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean (validators and constraints) so the API and forms agree.

    A new row is checked as a row of the caller's firm, so per-firm unique constraints answer
    a 400 naming the field instead of an IntegrityError. Every relation accepts only rows the
    caller may reach (core.scoping.scope_for): another firm's id is a 400 naming the field.
    Decimals are rounded half up to their places (RoundedDecimalField).
    """

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DecimalField: RoundedDecimalField,
                                models.CharField: StrictCharField,
                                models.TextField: StrictCharField}

    def get_fields(self) -> dict:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        if user is not None:
            for field in fields.values():
                relation = getattr(field, "child_relation", field)
                queryset = getattr(relation, "queryset", None)
                if queryset is not None and not field.read_only:
                    relation.queryset = scope_for(queryset, user=user)
        return fields

    def to_internal_value(self, data):
        # A read-only field sent with a value of its own (a status, a score, a number) is
        # refused by name rather than dropped without a word; the value the record has
        # (a client sending back what it read) and the id and audit stamps pass.
        if isinstance(data, Mapping):
            refused = {name: [READ_ONLY_MESSAGE] for name, field in self.fields.items()
                       if field.read_only and name in data and name not in ALWAYS_IGNORED
                       and isinstance(field, SCALAR_FIELDS)
                       and not self._is_current(name, field, data[name])}
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)

    def _is_current(self, name: str, field: serializers.Field, given: Any) -> bool:
        if self.instance is None:
            return given in (None, "")
        try:
            current = field.to_representation(field.get_attribute(self.instance))
        except (AttributeError, ObjectDoesNotExist, TypeError):
            current = None
        if current is None or given is None:
            return current is given
        if current == given or str(current) == str(given):
            return True
        try:
            return Decimal(str(current)) == Decimal(str(given))
        except (InvalidOperation, ValueError):
            return False

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = copy(self.instance) if self.instance is not None else model()
        request = self.context.get("request")
        if hasattr(instance, "firm_id") and instance.firm_id is None and request is not None:
            instance.firm_id = request.user.firm_id
        concrete = {field.name for field in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        # Fields this input does not touch are checked by the code that sets them.
        exclude = [name for name in concrete if name not in attrs and name != "firm"]
        try:
            instance.full_clean(exclude=exclude)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                self.api_error_names(serializers.as_serializer_error(error))) from error
        return attrs

    def api_error_names(self, detail: dict) -> dict:
        """The model's field names in errors as the API names them (the model says
        `customer`, the API `customerId`: the field whose source it is)."""
        renames = {field.source: name for name, field in self.fields.items()
                   if field.source not in (name, "*")}
        return {renames.get(key, key): value for key, value in detail.items()}


class FirmSerializer(serializers.ModelSerializer):
    class Meta:
        model = Firm
        fields = ["id", "name", "name_ar", "slug", "currency", "time_zone", "vat_number"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, min_length=8,
                                     style={"input_type": "password"},
                                     help_text=_("Required when creating a user."))
    firm_id = serializers.IntegerField(read_only=True)
    sales_person_id = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "language",
                  "email_notifications", "is_active", "firm_id", "sales_person_id",
                  "last_login", "date_joined", "password"]
        read_only_fields = ["last_login", "date_joined"]
        # No UniqueValidator (its message says the name exists): validate_username refuses a
        # taken name, in any case, with USERNAME_REFUSED.
        extra_kwargs = {"username": {"validators": [UnicodeUsernameValidator()]}}

    def get_sales_person_id(self, user: User) -> int | None:
        # The crm app adds the SalesPerson profile; core only reads it when it exists.
        try:
            return user.sales_person.pk
        except (AttributeError, ObjectDoesNotExist):
            return None

    def validate_username(self, username: str) -> str:
        # Case-insensitively unique, as on the staff form: "Ali" and "ali" are one person.
        taken = User.objects.filter(username__iexact=username)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(USERNAME_REFUSED)
        return username

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("A new user needs a password.")]})
        return attrs


class MeSerializer(UserSerializer):
    """The caller, with their firm and what their role may do."""

    firm = FirmSerializer(read_only=True)
    role_label = serializers.CharField(read_only=True)
    permissions = serializers.SerializerMethodField()

    current_password = serializers.CharField(write_only=True, required=False,
                                             trim_whitespace=False,
                                             help_text=_("Required to change the password."))

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "firm", "role_label", "permissions",
                  "current_password"]
        # The caller edits their own profile, never their role or access.
        read_only_fields = ["username", "role", "is_active", "last_login", "date_joined"]

    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())

    def validate(self, attrs: dict) -> dict:
        # Whoever holds an open session must not be able to lock the owner out.
        if attrs.get("password") and not self.instance.check_password(
                attrs.get("current_password", "")):
            raise serializers.ValidationError(
                {"current_password": [_("Give your current password to set a new one.")]})
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"},
                                     trim_whitespace=False)


class DataSerializer(serializers.Serializer):
    """Documents an answer whose `data` holds several objects (`{"payment": …, "invoice": …}`):
    its fields are the keys of `data` itself, not one object wrapped under the resource's key
    (core.api.schema)."""


class TokenSerializer(DataSerializer):
    """A new token: the key, shown this once, and when it expires."""

    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token in the caller's list: never its key, only the first characters."""

    current = serializers.SerializerMethodField(
        help_text=_("The token this request was made with."))

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created_at", "expires_at", "last_used_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), ApiToken) and (
            request.auth.pk == token.pk)


class ReasonSerializer(serializers.Serializer):
    """An optional reason (blank allowed; "" when left out). Endpoints subclass it under a name
    of their own so each OpenAPI component name stays unique."""

    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=2000)


class RequiredReasonSerializer(serializers.Serializer):
    """A reason that must be given (cancelling, refusing); subclassed per endpoint as above."""

    reason = serializers.CharField(max_length=2000)
