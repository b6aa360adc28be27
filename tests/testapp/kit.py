"""The test document on the document kit: its services, its available actions and its one
declaration, which the kit turns into page buttons, API routes and admin actions."""

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.kit.actions import DocumentAction, DocumentActions
from core.services import document_transition, transition_targets

from .models import Gadget


def _step(transition: str):
    def service(*, gadget: Gadget, actor, reason: str = "") -> Gadget:
        return document_transition(instance=gadget, transition=transition, actor=actor,
                                   reason=reason)
    service.__name__ = f"gadget_{transition}"
    return service


gadget_submit, gadget_approve, gadget_reject, gadget_reopen, gadget_cancel = (
    _step(name) for name in ("submit", "approve", "reject", "reopen", "cancel"))


def gadget_available_actions(*, document: Gadget, user) -> list[str]:
    """The state machine decides; a gadget named "frozen" refuses everything (a business
    guard beyond the machine, as real documents have)."""
    if document.name == "frozen":
        return []
    names = list(transition_targets(document, field="status"))
    return [*names, "submit_with_note"] if "submit" in names else names


def gadget_submit_with_note(*, gadget: Gadget, actor, note: str) -> Gadget:
    """An action with input besides the reason: the note becomes the reason."""
    return document_transition(instance=gadget, transition="submit", actor=actor, reason=note)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=100)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=100)


GADGET_ACTIONS = DocumentActions(
    model=Gadget, document_argument="gadget", available=gadget_available_actions,
    actions=[
        DocumentAction("submit", _("Submit"), gadget_submit, "testapp.change_gadget",
                       target="submitted", bulk_label=_("Submit the selected gadgets"),
                       message=_("Submitted")),
        DocumentAction("approve", _("Approve"), gadget_approve, "testapp.approve_gadget",
                       style="success", target="approved"),
        DocumentAction("reject", _("Reject"), gadget_reject, "testapp.change_gadget",
                       reason="required", style="danger", target="rejected"),
        # A page-only step: no API route of its own.
        DocumentAction("reopen", _("Reopen"), gadget_reopen, "testapp.change_gadget",
                       reason="none", target="draft", route=False),
        DocumentAction("cancel", _("Cancel"), gadget_cancel, "testapp.change_gadget",
                       style="outline-danger", target="cancelled"),
        DocumentAction("submit_with_note", _("Submit with a note"), gadget_submit_with_note,
                       "testapp.change_gadget", reason="none", serializer=NoteSerializer,
                       form=NoteForm, target="submitted"),
    ])
