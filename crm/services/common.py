"""Helpers shared by the crm services."""

from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError, RestrictedError
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.errors import ApplicationError, ErrorCode
from core.models import User


def is_sales_person(user: User | None) -> bool:
    return user is not None and user.role == Role.SALES_PERSON


def same_firm(firm_id: int, **related: Any) -> None:
    """Refuse references to another firm's rows (serializers scope them too; this is the rule)."""
    errors = {name: _("Not found.") for name, value in related.items()
              if value is not None and getattr(value, "firm_id", firm_id) != firm_id}
    if errors:
        raise ValidationError(errors)


def save_audited(instance: models.Model, *, actor: User | None, reason: str) -> models.Model:
    """Validate and save with who and why (history row; created_by/updated_by)."""
    if hasattr(instance, "updated_by_id"):
        instance.updated_by = actor
        if instance.pk is None:
            instance.created_by = actor
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()
    return instance


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
