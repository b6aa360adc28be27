from django.contrib import admin

from core.admin import FirmScopedAdmin
from core.kit.admin import DocumentAdminMixin

from .kit import GADGET_ACTIONS
from .models import Gadget


@admin.register(Gadget)
class GadgetAdmin(DocumentAdminMixin, FirmScopedAdmin):
    list_display = ["code", "name", "status"]
    readonly_fields = ["status"]
    document_actions = GADGET_ACTIONS
