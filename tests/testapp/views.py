from django.utils.translation import gettext_lazy as _

from core.staff import Column, StaffDetailView, StaffTransitionView, TransitionButton

from .models import Gadget


class GadgetDetailView(StaffDetailView):
    model = Gadget
    url_namespace = "testapp"
    fields = [Column(_("Code"), "code"), Column(_("Name"), "name")]
    transitions = {
        "submit": TransitionButton(_("Submit")),
        "approve": TransitionButton(_("Approve"), style="success",
                                    permission="testapp.approve_gadget"),
        "reject": TransitionButton(_("Reject"), style="danger", reason_required=True),
        "cancel": TransitionButton(_("Cancel"), style="outline-danger"),
    }


class GadgetTransitionView(StaffTransitionView):
    model = Gadget
    url_namespace = "testapp"
    detail_view = GadgetDetailView
