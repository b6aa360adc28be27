"""The API of a document's declared actions: `POST /<resource>/:id/<action>` for each one
(unless declared `route=False`), with its permission, its request body (reason and input) and
the document as the answer."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action as drf_action

from core.api.viewsets import TenantModelViewSet

from .actions import DocumentAction, DocumentActions, input_serializer


class DocumentViewSet(TenantModelViewSet):
    """A document resource; subclasses set `document_actions` and get one route per action
    (but those declared with `route=False`).

    The service decides whether the action is possible (409 `invalid_transition` and the
    business codes otherwise); the viewset only parses, calls and presents."""

    document_actions: DocumentActions | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declaration = cls.__dict__.get("document_actions")
        if declaration is None:
            return
        routed = [action for action in declaration.actions if action.route]
        cls.required_permissions = {
            **cls.required_permissions,
            **{action.name: [action.permission] for action in routed}}
        for declared in routed:
            if declared.name in cls.__dict__:
                continue  # the resource answers this action itself
            setattr(cls, declared.name, _route(declaration, declared, cls.serializer_class))

    def fresh(self, document):
        """The document as the retrieve answer shows it, after an action changed it."""
        return self.get_queryset().get(pk=document.pk)

    def perform_action(self, name: str, request) -> Any:
        declaration = self.document_actions
        declared = declaration.get(name)
        # The document first: another firm's id is a 404 whatever the body says.
        document = self.get_object()
        serializer = input_serializer(declaration, declared)(
            data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        result = declaration.perform(declared, document=document, actor=request.user,
                                     reason=reason, data=data)
        changed = self.fresh(result if isinstance(result, type(document)) else document)
        return self.one(changed, message=declared.success_message(changed))


def _route(declaration: DocumentActions, declared: DocumentAction, response):
    def handler(self, request, pk=None):
        return self.perform_action(declared.name, request)

    handler.__name__ = declared.name
    handler.__doc__ = str(declared.help_text or declared.label)
    routed = drf_action(detail=True, methods=["post"], url_path=declared.name.replace("_", "-"),
                        url_name=declared.name.replace("_", "-"))(handler)
    return extend_schema(request=input_serializer(declaration, declared), responses=response,
                         summary=str(declared.label))(routed)
