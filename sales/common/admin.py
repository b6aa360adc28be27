"""Admin pieces the sales documents share: read-only inlines of their child rows, and the
admin of a document edited while it is a draft (quotes, sales orders)."""

from collections.abc import Callable

from core.admin import FirmScopedAdmin, ReadOnlyInline, ServiceDeleteMixin, adopt, form_values
from core.kit.admin import DocumentAdminMixin
from sales.common.choices import DRAFT


def read_only_inline(model, fields: list[str]) -> type[ReadOnlyInline]:
    """A document's child rows (`fields` of `model`), shown, never edited, in its admin."""
    return type(f"{model.__name__}Inline", (ReadOnlyInline,), {"model": model,
                                                                "fields": fields})


class DraftDocumentAdmin(DocumentAdminMixin, ServiceDeleteMixin, FirmScopedAdmin):
    """A quote or a sales order: its header edited while it is a draft (the services refuse
    the rest), saved and deleted through its services as every other caller does (architecture
    §5.1); its status moves by the declared bulk actions."""

    editable_fields: list[str]
    computed_fields: list[str]  # shown, written by the services only
    # The document's create, update and delete services.
    document_services: tuple[Callable, Callable, Callable]

    def get_fields(self, request, obj=None):
        return [*self.editable_fields, *self.computed_fields]

    def can_edit(self, obj) -> bool:
        return obj.status == DRAFT

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.can_edit(obj):
            return [*self.editable_fields, *self.computed_fields]
        return self.computed_fields

    def save_model(self, request, obj, form, change):
        create, update, _delete = self.document_services
        values, actor = form_values(form, change=change), request.user
        if change:
            saved = update(**{self.document_actions.document_argument: obj}, actor=actor,
                           **values)
        else:
            saved = create(firm=actor.firm, actor=actor, **values)
        adopt(obj, saved)

    def delete_with_service(self, obj, actor) -> None:
        _create, _update, delete = self.document_services
        delete(**{self.document_actions.document_argument: obj}, actor=actor)
