"""Admin bulk actions of a document, from its action declaration: each declared action with a
`bulk_label` runs its service row by row; a refused row says why and the others go on."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.staff import error_text

from .actions import DocumentAction, DocumentActions


class DocumentAdminMixin:
    """Mixed into a document's ModelAdmin that sets `document_actions`."""

    document_actions: DocumentActions

    def get_actions(self, request):
        actions = super().get_actions(request)
        for declared in self.document_actions.bulk():
            if request.user.has_perm(declared.permission):
                name = f"{declared.name}_selected"
                actions[name] = (_bulk(self.document_actions, declared), name,
                                 declared.bulk_label)
        return actions


def _bulk(declaration: DocumentActions, declared: DocumentAction):
    def run(modeladmin: admin.ModelAdmin, request, queryset) -> None:
        done = 0
        for document in queryset.order_by("pk"):
            try:
                declaration.perform(declared, document=document, actor=request.user)
            except (ApplicationError, ValidationError) as error:
                modeladmin.message_user(request, f"{document}: {error_text(error)}",
                                        messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, _("%(action)s: %(count)s done.")
                                    % {"action": declared.label, "count": done},
                                    messages.SUCCESS)

    return run
