from rest_framework.permissions import BasePermission

# DRF action -> the model permission it needs; custom actions declare theirs on the view.
ACTION_PERMISSIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class RolePermission(BasePermission):
    """A firm user whose role group holds the permissions the view's action needs.

    Views name them with `required_permissions` (action -> list of "app.codename"); model
    viewsets derive list/retrieve/create/update/destroy from their model. An action with no
    declared permission is refused: forgetting to declare one must not open it to everybody.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated) or user.firm_id is None or not user.is_active:
            return False
        if not user.firm.is_active:
            return False  # a suspended firm keeps its data but none of its users gets in
        if getattr(view, request.method.lower(), None) is None:
            return True  # no handler for this method here: DRF answers 405, whatever the role
        action = getattr(view, "action", None) or request.method.lower()
        needed = view.get_required_permissions(action)
        return needed is not None and user.has_perms(needed)
