from django.utils.translation import gettext_lazy as _

from core.api.serializers import ModelSerializer
from core.kit.api import DocumentViewSet
from core.kit.views import DocumentActionView, DocumentDetailView
from core.staff import Column, StaffDetailView, StaffTransitionView, TransitionButton

from .kit import GADGET_ACTIONS
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


class GadgetDocumentView(GadgetDetailView, DocumentDetailView):
    url_namespace = "kit"
    document_actions = GADGET_ACTIONS
    tabs = ("details", "history")


class GadgetActionView(DocumentActionView):
    model = Gadget
    url_namespace = "kit"
    document_actions = GADGET_ACTIONS


class GadgetSerializer(ModelSerializer):
    class Meta:
        model = Gadget
        fields = ["id", "code", "name", "status"]
        read_only_fields = ["status"]


class GadgetViewSet(DocumentViewSet):
    queryset = Gadget.objects.all()
    serializer_class = GadgetSerializer
    data_key, data_key_plural = "gadget", "gadgets"
    document_actions = GADGET_ACTIONS
