"""Staff page pieces the sales documents share: the PDF page, the priced lines form, and the
rule that only a draft is edited or deleted (architecture §5.13)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views import View

from core.forms import formset_rows
from core.pdf import LANGUAGES
from core.staff import StaffDeleteView, StaffFormView, StaffMixin
from sales.common.choices import DRAFT
from sales.common.documents import firm_document_language, pdf_response
from sales.common.forms import LINE_FIELDS, QuoteLineFormSet, line_initial, line_rows


class SalesMixin:
    url_namespace = "sales"


class DraftDetailMixin:
    """A document page offers edit and delete only while the document can still change."""

    def editable(self, document) -> bool:
        return document.status == DRAFT

    def get_context_data(self, **kwargs: Any) -> dict:
        context = super().get_context_data(**kwargs)
        if not self.editable(self.object):
            context["edit_url"] = None
            context["delete_url"] = None
        return context


class DraftFormView(StaffFormView):
    """A document's form, opened only while it is a draft: otherwise back to its page with
    `not_draft_message` (the service refuses the change anyway)."""

    not_draft_message: Any

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object is not None and self.object.status != DRAFT:
            messages.error(request, self.not_draft_message)
            return HttpResponseRedirect(self.url("detail", self.object.pk))
        return super().get(request, *args, **kwargs)


class PricedLinesFormView(DraftFormView):
    """A quote's or an order's form: the header and its priced lines (the `items` formset)."""

    formset_labels = {"items": _("Lines")}

    def get_formsets(self):
        initial = line_initial(self.object) if self.object else []
        return {"items": QuoteLineFormSet(prefix="items", initial=initial,
                                          **self.formset_kwargs())}

    def lines(self) -> list[dict]:
        """The posted lines as the services take them; each row's form is kept so that the
        service's errors show on their row."""
        rows, self.row_forms["items"] = formset_rows(self.formsets["items"], LINE_FIELDS)
        return line_rows(rows)


class DraftDeleteView(StaffDeleteView):
    """Deleting a draft through the document's service (`delete_document`, which refuses any
    other status), then back to the list."""

    delete_note = _("Only a draft can be deleted; its lines go with it and its history keeps "
                    "who deleted it.")

    def delete_document(self, document) -> None:
        raise NotImplementedError("each delete view names the service it calls")

    def perform(self, document) -> str:
        self.delete_document(document)
        return self.url("list")


class DocumentPdfView(StaffMixin, View):
    """The document as PDF (`?language=en|ar|both`; otherwise `default_language`, or the
    firm's documents language when that is None)."""

    default_language: str | None = None

    def get_permission_required(self):
        return [self.perm("view")]

    def render_pdf(self, document, language: str) -> bytes:
        raise NotImplementedError("each PDF view names the document's renderer")

    def file_name(self, document) -> str:
        return document.number

    def get(self, request, pk: int):
        document = get_object_or_404(self.get_queryset(), pk=pk)
        language = request.GET.get("language")
        if language not in LANGUAGES:
            language = self.default_language or firm_document_language(request.user.firm)
        return pdf_response(self.render_pdf(document, language),
                            name=self.file_name(document))
