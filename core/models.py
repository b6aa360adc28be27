import hashlib
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin
from simple_history.models import HistoricalRecords

from .choices import DocumentType, Role
from .querysets import TenantQuerySet


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Firm(models.Model):
    """The tenant. Every business row belongs to exactly one firm."""

    name = models.CharField(_("name"), max_length=200)
    name_ar = models.CharField(_("Arabic name"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="SAR")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Riyadh",
                                 validators=[validate_time_zone])
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.TextField(_("address"), blank=True)
    address_ar = models.TextField(_("Arabic address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Usernames are unique across firms (sign-in asks no firm), so refusing a taken one must not
# tell a firm's admin that another firm has it: one answer for every taken name, whoever holds
# it, on every door (API, staff form, admin forms, services).
USERNAME_REFUSED = _("This username cannot be used; choose another.")


class User(AbstractUser):
    """A staff member of one firm with one role. Superusers may have no firm (admin site only)."""

    firm = models.ForeignKey(
        Firm, verbose_name=_("firm"), on_delete=models.PROTECT, related_name="users",
        null=True, blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices,
                            default=Role.SALES_PERSON)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES,
                                default="en")
    email_notifications = models.BooleanField(
        _("email notifications"), default=False,
        help_text=_("Also send my notifications to my e-mail address."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(firm__isnull=False),
                name="core_user_firm_required_unless_superuser",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def unique_error_message(self, model_class, unique_check):
        # Model validation (the services' full_clean, the admin's forms, Django's
        # UserCreationForm) words a taken username like the API and the staff form.
        if tuple(unique_check) == ("username",):
            return ValidationError(USERNAME_REFUSED, code="unique")
        return super().unique_error_message(model_class, unique_check)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._saved_role = user.__dict__.get("role")
        return user

    def save(self, *args, **kwargs) -> None:
        # Whichever way a user is saved (service, admin, createsuperuser, shell): the admin
        # site is for the admin role, and permissions come from the role's group.
        if not self.is_superuser:
            self.is_staff = self.role == Role.ADMIN
        # A new password (set_password: the user services, PATCH /users/me, the admin's
        # password form, `changepassword`) revokes every API token issued under the old one.
        # Django's own re-hash of an unchanged password at sign-in clears `_password` before
        # saving, so a hasher upgrade revokes nothing.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            self.api_tokens.all().delete()
        if getattr(self, "_saved_role", None) != self.role:
            self.sync_role_group()

    def sync_role_group(self) -> None:
        """Make the user a member of exactly their role's group."""
        self.groups.set([Group.objects.get_or_create(name=self.role)[0]])
        self._saved_role = self.role


class ApiTokenQuerySet(models.QuerySet):
    def unexpired(self) -> "ApiTokenQuerySet":
        return self.filter(expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """An API token of one user (`Authorization: Token <key>`), one per sign-in.

    Only a SHA-256 of the key is stored: the key is shown once, when it is issued, and a copy
    of the database signs nobody in. A fast hash is enough for 160 random bits (no password
    to guess). The first characters are kept to tell tokens apart in a list.
    """

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=PREFIX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="core_apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class TenantModel(models.Model):
    """A row of one firm. Querysets reach users only through core.scoping.scope_for."""

    firm = models.ForeignKey(Firm, verbose_name=_("firm"), on_delete=models.PROTECT,
                             related_name="+", editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditedModel(TenantModel):
    """Tenant row with who/when columns and a simple-history trail (set by services)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", editable=False)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class SalesSettings(AuditedModel):
    """A firm's sales settings, one JSON object per section.

    The sections' fields, defaults and validation live in core.sales_settings; a missing key
    reads as its default, so adding a setting needs no data migration.
    """

    general = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    quotes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    orders = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    pricing = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    discounts = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    commissions = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    delivery = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    returns = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    tax = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    documents = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    sequences = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")
        constraints = [models.UniqueConstraint(fields=["firm"],
                                               name="core_salessettings_one_per_firm")]

    def __str__(self) -> str:
        return str(_("Sales settings of %(firm)s") % {"firm": self.firm})


class Sequence(TenantModel):
    """The counter behind document numbers: one row per firm, document type and reset period."""

    document_type = models.CharField(_("document type"), max_length=20,
                                     choices=DocumentType.choices)
    # "" for a sequence that never resets, "2026" yearly, "2026-11" monthly.
    period = models.CharField(_("period"), max_length=7, blank=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("numbering sequence")
        verbose_name_plural = _("numbering sequences")
        constraints = [
            models.UniqueConstraint(fields=["firm", "document_type", "period"],
                                    name="core_sequence_unique_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.period or '-'}: {self.last_number}"


class DocumentEvent(TenantModel):
    """One step in a document's timeline: a transition or another audited action."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(_("action"), max_length=60)
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"),
                              on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("document event")
        verbose_name_plural = _("document events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"],
                                name="core_docevent_document_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class DocumentModel(ConcurrentTransitionMixin, AuditedModel):
    """An audited document with a state machine (FSMField(protected=True) in the subclass).

    ConcurrentTransitionMixin (which includes FSMModelMixin) refuses to save a status that
    changed in the database since the row was read; core.services.document_transition runs
    the transitions.
    """

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None) -> None:
        # Cleaning re-assigns every field, which a protected status field refuses; statuses
        # are set only by transitions, so they are left out of field cleaning.
        super().clean_fields(exclude={*(exclude or ()), *self._get_protected_fsm_fields()})
