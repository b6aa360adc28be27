from django.db import models
from django_fsm import FSMField, transition

from core.models import DocumentModel


class Gadget(DocumentModel):
    """draft -> submitted -> approved | rejected; rejected -> draft; cancel from draft/submitted."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    status = FSMField(default="draft", protected=True)

    class Meta:
        permissions = [("approve_gadget", "Can approve gadget")]
        constraints = [models.UniqueConstraint(fields=["firm", "code"],
                                               name="testapp_gadget_code_unique")]

    def __str__(self) -> str:
        return self.name

    @transition(field=status, source="draft", target="submitted")
    def submit(self) -> None:
        pass

    @transition(field=status, source="submitted", target="approved",
                permission="testapp.approve_gadget")
    def approve(self) -> None:
        pass

    @transition(field=status, source="submitted", target="rejected")
    def reject(self) -> None:
        pass

    @transition(field=status, source="rejected", target="draft")
    def reopen(self) -> None:
        pass

    @transition(field=status, source=["draft", "submitted"], target="cancelled")
    def cancel(self) -> None:
        pass
