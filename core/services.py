"""Core services: numbering sequences, sales settings, document transitions, users."""

import datetime
import secrets
from collections import Counter
from copy import deepcopy
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, State, can_proceed
from rest_framework import serializers

from .choices import DocumentType, ResetPeriod, Role
from .errors import ApplicationError, Conflict, ErrorCode, InvalidTransition
from .models import ApiToken, DocumentEvent, Firm, SalesSettings, Sequence, User
from .sales_settings import SECTIONS, section_values, to_namespace

# --- numbering (business-rules §1) -------------------------------------------------------------


def sequence_format(*, config: dict, number: int, date: datetime.date) -> str:
    """The document number for `number` under a sequence config (prefix, year, month, padding)."""
    parts = [config.get("prefix", "")]
    if config.get("include_year", True):
        parts.append(f"{date.year:04d}-")
    if config.get("include_month", False):
        parts.append(f"{date.month:02d}-")
    parts.append(str(number).zfill(config.get("padding", 4)))
    parts.append(config.get("suffix", ""))
    return "".join(parts)


def sequence_period(*, reset_period: str, date: datetime.date) -> str:
    if reset_period == ResetPeriod.MONTHLY:
        return f"{date.year:04d}-{date.month:02d}"
    if reset_period == ResetPeriod.YEARLY:
        return f"{date.year:04d}"
    return ""


@transaction.atomic
def sequence_next(*, firm: Firm, document_type: DocumentType | str, date: datetime.date) -> str:
    """The next number of the firm's sequence for that document type and date: gapless, unique.

    The counter row is locked until the caller's transaction ends, so a rolled-back document
    gives its number back and concurrent callers queue instead of taking the same number.
    """
    document_type = DocumentType(document_type)
    config = settings_section(firm=firm, section="sequences")[document_type.value]
    period = sequence_period(reset_period=config["reset_period"], date=date)
    lookup = {"firm": firm, "document_type": document_type, "period": period}
    sequence = Sequence.objects.select_for_update().filter(**lookup).first()
    if sequence is None:
        # First number of the period: create the row; ignore_conflicts makes a racing
        # creator harmless, and both then queue on the same row lock.
        Sequence.objects.bulk_create([Sequence(**lookup)], ignore_conflicts=True)
        sequence = Sequence.objects.select_for_update().get(**lookup)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence_format(config=config, number=sequence.last_number, date=date)


# --- sales settings ---------------------------------------------------------

SETTINGS_EXPORT_VERSION = 1


def settings_row(*, firm: Firm) -> SalesSettings:
    row, _created = SalesSettings.objects.get_or_create(firm=firm)
    return row


def settings_section(*, firm: Firm, section: str) -> dict:
    """One section's typed values (reads one column, validates one section)."""
    stored = SalesSettings.objects.filter(firm=firm).values_list(section, flat=True).first()
    return section_values(section, stored or {})


def settings_values(*, firm: Firm) -> dict[str, dict]:
    """Every section's typed values (defaults filled in), as plain dicts."""
    row = settings_row(firm=firm)
    return {name: section_values(name, getattr(row, name)) for name in SECTIONS}


def settings_read(*, firm: Firm):
    """The firm's settings for code: `settings_read(firm=f).tax.calculate_tax_on_discount`."""
    return to_namespace(settings_values(firm=firm))


def settings_current_numbers(*, firm: Firm, date: datetime.date) -> dict[str, int]:
    """Last number taken in the current period of each sequence (the spec's currentNumber)."""
    sequences = settings_values(firm=firm)["sequences"]
    periods = {doc: sequence_period(reset_period=cfg["reset_period"], date=date)
               for doc, cfg in sequences.items()}
    rows = Sequence.objects.filter(firm=firm).values_list("document_type", "period", "last_number")
    return {doc: next((n for d, p, n in rows if d == doc and p == periods[doc]), 0)
            for doc in sequences}


def settings_export(*, firm: Firm) -> dict[str, dict]:
    """Every section as JSON-ready values (what `settings_import` takes back)."""
    values = settings_values(firm=firm)
    return {name: dict(SECTIONS[name](values[name]).data) for name in SECTIONS}


def settings_payload(*, firm: Firm) -> dict[str, dict]:
    """The API view of the settings: every section, each sequence with its current number."""
    payload = settings_export(firm=firm)
    numbers = settings_current_numbers(firm=firm, date=firm_today(firm=firm))
    for document_type, number in numbers.items():
        payload["sequences"][document_type] = {**payload["sequences"][document_type],
                                               "current_number": number}
    return payload


def firm_now(*, firm: Firm) -> datetime.datetime:
    """Now, in the firm's time zone: what the API shows carries the firm's offset, not UTC."""
    return timezone.localtime(timezone=ZoneInfo(firm.time_zone))


def firm_today(*, firm: Firm) -> datetime.date:
    """Today's date where the firm is (numbers and periods follow the firm's calendar)."""
    return timezone.localdate(timezone=ZoneInfo(firm.time_zone))


def _deep_merge(base: dict, changes: dict) -> dict:
    merged = deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def settings_validate(*, firm: Firm, changes: dict[str, Any],
                      merge: bool = True) -> dict[str, dict]:
    """Validate changes to one or more sections; the resulting sections, ready to store.

    With `merge` the changes apply over the current values; without, each given section is
    taken whole (keys left out get their defaults).

    Raises ValidationError with errors keyed `section.field`; unknown sections are errors too.
    """
    if not isinstance(changes, dict):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Expected an object of sections.")]})
    current = settings_values(firm=firm)
    errors: dict[str, Any] = {}
    result: dict[str, dict] = {}
    for name, values in changes.items():
        if name not in SECTIONS:
            errors[name] = [_("Unknown settings section.")]
            continue
        if not isinstance(values, dict):
            errors[name] = [_("Expected an object of settings.")]
            continue
        serializer_class = SECTIONS[name]
        merged = _deep_merge(serializer_class(current[name]).data, values) if merge else values
        serializer = serializer_class(data=merged, context={"firm": firm})
        if serializer.is_valid():
            result[name] = serializer.data
            if name == "sequences":
                frozen = _sequence_formats_frozen(firm, current["sequences"], serializer.data)
                if frozen:
                    errors[name] = frozen
        else:
            errors[name] = serializer.errors
    if errors:
        raise serializers.ValidationError(errors)
    return result


# Changing these after numbers were issued could issue a number a second time (a yearly
# counter switched to "never" starts again at 1 under the same text).
PERIOD_KEYS = ("reset_period", "include_year", "include_month")


def _sequence_formats_frozen(firm: Firm, before: dict, after: dict) -> dict:
    used = set(Sequence.objects.filter(firm=firm).values_list("document_type", flat=True))
    errors = {}
    for document_type in used & set(after):
        changed = [key for key in PERIOD_KEYS
                   if before[document_type][key] != after[document_type][key]]
        if changed:
            errors[document_type] = {key: [_(
                "Numbers were issued in this format already; it can no longer change.")]
                for key in changed}
    return errors


def settings_export_document(*, firm: Firm) -> dict:
    """The export file: every section, when, and the format version `settings_import` reads."""
    return {"settings": settings_export(firm=firm), "exported_at": timezone.now(),
            "version": SETTINGS_EXPORT_VERSION}


@transaction.atomic
def settings_update(*, firm: Firm, changes: dict[str, Any], actor: User | None,
                    reason: str = "") -> SalesSettings:
    """Apply changes to sections, all or nothing, with one history row naming the actor.

    The row is locked before the changes are merged, so two concurrent section edits both
    land instead of the later one writing back the earlier one's old values."""
    row = SalesSettings.objects.select_for_update().get(pk=settings_row(firm=firm).pk)
    validated = settings_validate(firm=firm, changes=changes)
    for name, values in validated.items():
        setattr(row, name, values)
    return _settings_save(row, actor=actor, reason=reason or _("Settings updated"))


@transaction.atomic
def settings_import(*, firm: Firm, document: dict[str, Any], actor: User | None) -> SalesSettings:
    """Replace the sections present in an exported document, all or nothing."""
    row = SalesSettings.objects.select_for_update().get(pk=settings_row(firm=firm).pk)
    validated = settings_validate(firm=firm, changes=document, merge=False)
    for name, values in validated.items():
        setattr(row, name, values)
    return _settings_save(row, actor=actor, reason=_("Settings imported"))


class UnknownSettingsSection(ApplicationError):
    status_code = 404

    def __init__(self, *, section: str) -> None:
        super().__init__(code=ErrorCode.UNKNOWN_SETTINGS_SECTION, details={"section": section},
                         message=_("There is no settings section of that name."))


@transaction.atomic
def settings_reset_section(*, firm: Firm, section: str, actor: User | None) -> SalesSettings:
    """Put one section back to its defaults."""
    if section not in SECTIONS:
        raise UnknownSettingsSection(section=section)
    row = SalesSettings.objects.select_for_update().get(pk=settings_row(firm=firm).pk)
    setattr(row, section, {})
    return _settings_save(row, actor=actor, reason=_("Section %(section)s reset to defaults")
                          % {"section": section})


def _settings_save(row: SalesSettings, *, actor: User | None, reason: str) -> SalesSettings:
    row.updated_by = actor
    row._history_user = actor
    row._change_reason = str(reason)
    row.save()
    return row


# --- audit and state machines ---------------------------------------------------------------


def document_event_record(*, instance: models.Model, action: str, actor: User | None,
                          from_status: str = "", to_status: str = "", reason: str = "",
                          details: dict | None = None) -> DocumentEvent:
    """Append a step to a document's timeline (in the caller's transaction)."""
    return DocumentEvent.objects.create(
        firm_id=instance.firm_id,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=instance.pk, action=action, from_status=from_status, to_status=to_status,
        actor=actor, reason=reason, details=details or {},
    )


def transition_targets(instance: models.Model, *, field: str = "status") -> dict[str, str]:
    """Transition method name -> target status, for transitions allowed from the current status.
    A transition whose target the method decides (RETURN_VALUE) is named by its first possible
    target (a delivery's "delivered", not "partially_delivered")."""
    available = getattr(instance, f"get_available_{field}_transitions")()
    return {transition.name: transition.target.allowed_states[0]
            if isinstance(transition.target, State) else transition.target
            for transition in available}


def document_transition(*, instance: models.Model, transition: str, actor: User | None,
                        reason: str = "", details: dict | None = None, field: str = "status",
                        record_event: bool = True, **kwargs: Any) -> models.Model:
    """Run the FSM transition `transition` on a locked, fresh copy of the document.

    Refusals become InvalidTransition (409, with from/to/allowed); a concurrent change becomes
    Conflict. The history row and the timeline event are written in the same transaction
    (documents with their own timeline, like leads, pass record_event=False and write theirs).
    Returns the saved instance (a fresh object, not the one passed in).
    """
    with transaction.atomic():
        model = type(instance)
        locked = model._default_manager.select_for_update().get(pk=instance.pk)
        method = getattr(locked, transition)
        source = getattr(locked, field)
        if not can_proceed(method):
            raise InvalidTransition(
                source=source, target=_declared_target(method),
                allowed=sorted(set(transition_targets(locked, field=field).values())))
        method(**kwargs)
        if hasattr(locked, "updated_by_id"):
            locked.updated_by = actor
        locked._history_user = actor
        locked._change_reason = reason or transition
        try:
            locked.save()
        except ConcurrentTransition as error:
            raise Conflict() from error
        if record_event:
            document_event_record(instance=locked, action=transition, actor=actor,
                                  from_status=source, to_status=getattr(locked, field),
                                  reason=reason, details=details)
    return locked


def _declared_target(method: Any) -> str:
    """The status a transition method leads to (its name when targets differ by source)."""
    targets = {str(t.target) for t in method._django_fsm.transitions.values()}
    return targets.pop() if len(targets) == 1 else method.__name__


def request_origin(request) -> dict[str, str | None]:
    """Where a change came from, for audit logs: the client's address and user agent."""
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    meta = getattr(request, "META", {})
    return {"ip_address": meta.get("REMOTE_ADDR") or None,
            "user_agent": meta.get("HTTP_USER_AGENT", "")[:300]}


# --- users ---------------------------------------------------------------------------------


@transaction.atomic
def user_create(*, firm: Firm, actor: User | None, username: str, password: str,
                role: str = Role.SALES_PERSON, **fields: Any) -> User:
    """A new user of the firm with the role's group; the password passes Django's validators."""
    user = User(firm=firm, username=username, role=role, **fields)
    return _user_save(user, actor=actor, password=password, reason="created")


def user_check_admin_kept(*, user: User, role: str | None, is_active: bool | None) -> None:
    """Refuse a change that would leave the user's firm without an active administrator.

    Every active admin row of the firm is locked first, so two admins demoting each other
    at once cannot both pass the check. Call inside a transaction.
    """
    demoting = user.role == Role.ADMIN and user.is_active and (
        (role is not None and role != Role.ADMIN) or is_active is False)
    if not demoting:
        return
    admins = list(User.objects.select_for_update().filter(
        firm_id=user.firm_id, role=Role.ADMIN, is_active=True).order_by("pk"))
    if not any(admin.pk != user.pk for admin in admins):
        raise ApplicationError(code=ErrorCode.LAST_ADMIN, message=_(
            "A firm needs at least one active administrator."))


@transaction.atomic
def user_update(*, user: User, actor: User | None, password: str | None = None,
                **fields: Any) -> User:
    """Change a user's details, role or password; a firm keeps at least one active admin."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    user_check_admin_kept(user=locked, role=fields.get("role"), is_active=fields.get("is_active"))
    for name, value in fields.items():
        setattr(locked, name, value)
    return _user_save(locked, actor=actor, password=password, reason="updated")


def _user_save(user: User, *, actor: User | None, password: str | None, reason: str) -> User:
    """Validate and save a user (User.save keeps admin-site access and group with the role)."""
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from error
        user.set_password(password)
    user.full_clean()
    user._history_user = actor
    user._change_reason = reason
    user.save()
    return user


def user_deactivate(*, user: User, actor: User | None) -> User:
    """Users are never deleted (their names stay on documents): they are deactivated."""
    return user_update(user=user, actor=actor, is_active=False)


# --- API tokens ------------------------------------------------------------------------------

# A token's last use is written at most this often: not one write per API request.
API_TOKEN_TOUCH_SECONDS = 60


def api_token_issue(*, user: User) -> tuple[ApiToken, str]:
    """A new token of the user, valid API_TOKEN_TTL_DAYS, and its key: shown this once, never
    stored. The user's expired tokens are dropped on the way, so they do not pile up."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user, key_hash=ApiToken.hash(key), prefix=key[:ApiToken.PREFIX_LENGTH],
        expires_at=now + datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS))
    return token, key


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was just used (at most once a minute)."""
    now = timezone.now()
    if token.last_used_at is None or (
            now - token.last_used_at).total_seconds() >= API_TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token_revoke(*, token: ApiToken) -> None:
    """The token no longer signs anyone in."""
    ApiToken.objects.filter(pk=token.pk).delete()


# --- records: the shared audited save, nested rows and protected deletes ------------------


def same_firm(firm_id: int, **related: Any) -> None:
    """Refuse references to another firm's rows (serializers scope them too; this is the rule)."""
    errors = {name: _("Not found.") for name, value in related.items()
              if value is not None and getattr(value, "firm_id", firm_id) != firm_id}
    if errors:
        raise ValidationError(errors)


def record_save(instance: models.Model, *, actor: User | None, reason: str) -> models.Model:
    """Save with who and why (history row; created_by/updated_by); the caller validated."""
    if hasattr(instance, "updated_by_id"):
        instance.updated_by = actor
        if instance.pk is None:
            instance.created_by = actor
    instance._history_user = actor
    instance._change_reason = str(reason)
    instance.save()
    return instance


def save_audited(instance: models.Model, *, actor: User | None, reason: str) -> models.Model:
    """Validate and save with who and why (history row; created_by/updated_by)."""
    instance.full_clean()
    return record_save(instance, actor=actor, reason=reason)


def replace_children(parent: models.Model, *, name: str, model: type[models.Model],
                     rows: list[dict], parent_field: str) -> None:
    """Make the parent's `name` children exactly `rows`: a row with an id updates that child,
    one without is added, children not listed are removed. Errors name `name.index.field`.

    The parent must be saved. Children not listed go first, so a new row may take over a
    removed one's unique value; every row is validated against its parent's constraints
    (e.g. one stage per status in a pipeline), not only its own fields.
    """
    manager = getattr(parent, name)
    existing = {child.pk: child for child in manager.all()}
    fixed = {"id", "pk", "firm", "firm_id", parent_field, f"{parent_field}_id"}
    for index, row in enumerate(rows):
        pk = row.get("id")
        if pk is not None and pk not in existing:
            raise ValidationError({f"{name}.{index}.id": _("Not one of this record's entries.")})
        for field in fixed.intersection(row).difference({"id"}):
            raise ValidationError({f"{name}.{index}.{field}": _("This field cannot be set.")})
    listed = {row.get("id") for row in rows} - {None}
    manager.exclude(pk__in=listed).delete()
    for index, row in enumerate(rows):
        row = dict(row)
        pk = row.pop("id", None)
        child = existing.get(pk) or model(firm_id=parent.firm_id, **{parent_field: parent})
        for field, value in row.items():
            setattr(child, field, value)
        try:
            child.full_clean()
        except ValidationError as error:
            raise ValidationError({f"{name}.{index}.{field}": messages
                                   for field, messages in error.message_dict.items()}) from error
        child.save()


def delete_protected(instance: models.Model, *, actor: User | None, reason: str = "deleted"
                     ) -> None:
    """Delete the row (its history row names who and why), or refuse with 409 `protected`
    naming what still refers to it (`details.references`: model name -> how many rows).

    Nothing is deleted when refused: Django finds every protected reference before it
    deletes anything, and the caller's transaction rolls back what it did before."""
    instance._history_user = actor
    instance._change_reason = reason
    try:
        instance.delete()
    except (ProtectedError, RestrictedError) as error:
        found = error.protected_objects if isinstance(error, ProtectedError) \
            else error.restricted_objects
        counts = Counter(row._meta for row in found)
        raise ApplicationError(
            code=ErrorCode.PROTECTED, status_code=409,
            message=_protected_message(instance._meta, sorted(counts.items(), key=_label)),
            details={"references": {meta.model_name: count
                                    for meta, count in sorted(counts.items(), key=_label)}},
        ) from error


def _label(item) -> str:
    return item[0].label_lower


def _protected_text(meta, counts) -> str:
    used_by = ", ".join(f"{meta_of_rows.verbose_name_plural}: {count}"
                        for meta_of_rows, count in counts)
    return str(_("This %(record)s cannot be deleted: it is still used by %(references)s.")
               % {"record": meta.verbose_name, "references": used_by})


# Rendered when shown, so the API envelope has the message in both languages.
_protected_message = lazy(_protected_text, str)


# --- row locks --------------------------------------------------------------------------------


def rows_lock(queryset: models.QuerySet) -> list:
    """The queryset's rows, locked (SELECT ... FOR UPDATE) in primary-key order: callers that lock
    overlapping rows always take them in one order, so they queue instead of deadlocking."""
    return list(queryset.select_for_update().order_by("pk"))


def row_lock(queryset: models.QuerySet, pk: int) -> models.Model:
    """One row of the queryset, locked; the model's DoesNotExist when it is not there (another
    firm's rows never are: callers pass rows they already reached)."""
    return queryset.select_for_update().get(pk=pk)
