from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "returns"
    verbose_name = _("Returns")
    # Patterns per role over this app's permissions (see core.roles); admin has all.
    role_permissions = {
        "sales_manager": ["*"],
        # The warehouse receives and inspects what comes back.
        "warehouse": ["view_*", "receive_returnorder", "add_returnphoto"],
        "sales_person": ["view_*", "add_returnorder", "change_returnorder",
                         "add_returnorderline", "change_returnorderline"],
        "finance": ["view_*", "process_returnorder"],
    }
