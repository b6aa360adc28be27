"""A document's actions, declared once (architecture §5.13).

Each state-machine document declares its actions in one `DocumentActions`: the name, the label
in both languages (translated text), the service that performs it, the permission it needs,
whether it takes a reason, and the input it takes besides. The staff pages (buttons and their
confirm forms), the API (`POST /<resource>/:id/<action>`) and the admin (bulk actions) are all
built from that declaration, and which actions a user may press now is decided by one service per
document, `<document>_available_actions(*, document, user)`, never by a view or a template.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django import forms
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

Reason = Literal["none", "optional", "required"]
REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class DocumentAction:
    """One thing a user can do to a document; `service` is called as
    `service(<document argument>=document, actor=user, reason=..., **input)` (no `reason` when
    the action takes none)."""

    name: str
    label: str | Promise
    service: Callable[..., Any]
    permission: str
    reason: Reason = "optional"
    # Input besides the reason: a serializer for the API, a form for the staff page. Their
    # validated fields become keyword arguments of the service.
    serializer: type[serializers.Serializer] | None = None
    form: type[forms.Form] | None = None
    style: str = "primary"
    # The success message: text, or a callable of the changed document.
    message: str | Promise | Callable[[Any], Any] | None = None
    # Offered as a bulk action in the admin (only actions that need no input).
    bulk_label: str | Promise | None = None
    # The status the action leads to, for the confirm page ("from draft to confirmed"): a status
    # value, or a callable of the document when it depends on the document.
    target: str | Callable[[Any], str] | None = None
    # What the action does, for the API documentation.
    help_text: str | Promise = ""
    # Whether the API has `POST /<resource>/:id/<action>` for it. False for a step the API
    # reaches another way (a quote's "mark sent" is `POST /quotes/:id/transition`), so the
    # declaration gives the pages and the admin their buttons without adding an API path.
    route: bool = True

    def __post_init__(self) -> None:
        if self.bulk_label and (self.reason == "required" or self.serializer or self.form):
            raise ValueError(f"{self.name}: a bulk action takes no reason or input")

    def target_status(self, document: models.Model) -> str | None:
        return self.target(document) if callable(self.target) else self.target

    def success_message(self, document: models.Model) -> Any:
        return self.message(document) if callable(self.message) else self.message


@dataclass(frozen=True)
class DocumentActions:
    """The declaration of one document type's actions, in button order."""

    model: type[models.Model]
    # The keyword the document's services take it by: order_confirm(order=...).
    document_argument: str
    actions: Sequence[DocumentAction]
    # `<document>_available_actions(*, document, user) -> list[str]`: the names possible now.
    available: Callable[..., list[str]]
    status_field: str = "status"
    by_name: dict[str, DocumentAction] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [action.name for action in self.actions]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.model.__name__}: an action is declared twice")
        object.__setattr__(self, "by_name", {action.name: action for action in self.actions})

    def get(self, name: str) -> DocumentAction | None:
        return self.by_name.get(name)

    def for_user(self, *, document: models.Model, user) -> list[DocumentAction]:
        """The actions this user may press on this document now, in declaration order."""
        possible = set(self.available(document=document, user=user))
        return [action for action in self.actions
                if action.name in possible and user.has_perm(action.permission)]

    def bulk(self) -> list[DocumentAction]:
        return [action for action in self.actions if action.bulk_label]

    def perform(self, action: DocumentAction, *, document: models.Model, actor,
                reason: str = "", data: dict | None = None) -> Any:
        """Run the action's service; the service decides, locks and records."""
        kwargs = {self.document_argument: document, "actor": actor, **(data or {})}
        if action.reason != "none":
            kwargs["reason"] = reason
        return action.service(**kwargs)


def reason_field(action: DocumentAction) -> serializers.CharField | None:
    """The API's `reason` field for an action (None when the action takes no reason)."""
    if action.reason == "none":
        return None
    if action.reason == "required":
        return serializers.CharField(max_length=REASON_MAX_LENGTH, help_text=_("Why; required."))
    return serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True,
                                 default="", help_text=_("Why; optional."))


_INPUTS: dict[tuple[type, str], type[serializers.Serializer]] = {}


def input_serializer(declaration: DocumentActions, action: DocumentAction
                     ) -> type[serializers.Serializer]:
    """The request body of an action: its reason and its declared input, under a name of its
    own in the OpenAPI schema (`SalesOrderCancelActionRequest`). Built once per action."""
    key = (declaration.model, action.name)
    if key not in _INPUTS:
        _INPUTS[key] = _build_input(declaration, action)
    return _INPUTS[key]


def _build_input(declaration: DocumentActions, action: DocumentAction
                 ) -> type[serializers.Serializer]:
    base = action.serializer or serializers.Serializer
    attrs: dict[str, Any] = {"__module__": __name__}
    reason = reason_field(action)
    if reason is not None:
        attrs["reason"] = reason
    name = f"{declaration.model.__name__}{action.name.title().replace('_', '')}Action"
    return type(name, (base,), attrs)
