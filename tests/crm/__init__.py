"""crm tests. RoleScopedContract and RoleScopedPages are for the API and page contracts of rows
a role sees only when they are its own (a sales person's leads, a seller's quotes)."""

import pytest

from core.choices import Role
from tests.contracts import call_factory


class _RoleScoped:
    """During the role tests `scope_user` is the role's user: `make` gives it the rows it makes
    (as owner, assignee or the user who entered them, the factory keyword named by
    `scope_field`), so what the role may do reaches a row in its scope instead of answering
    404. A resource whose scope needs more than one keyword overrides make."""

    scope_user = None
    scope_field: str

    def make(self, firm, **overrides):
        if self.scoped(firm):
            overrides.setdefault(self.scope_field, self.scoped(firm))
        return call_factory(self, firm, **overrides)

    def scoped(self, firm):
        """The role's user when making rows of its own firm during the role tests."""
        user = self.scope_user
        return user if user is not None and user.firm_id == firm.pk else None


class RoleScopedContract(_RoleScoped):
    """For an ApiContract: the role's user is in scope during test_role_permissions."""

    @pytest.mark.parametrize("role", Role.values)
    def test_role_permissions(self, role, users, firm):
        self.scope_user = users[role]
        super().test_role_permissions(role, users, firm)


class RoleScopedPages(_RoleScoped):
    """For a PagesContract: the role's user is in scope while the role opens the pages and
    posts the forms."""

    @pytest.mark.parametrize("role", Role.values)
    def test_list_and_detail_by_role(self, client, users, firm, role):
        self.scope_user = users[role]
        super().test_list_and_detail_by_role(client, users, firm, role)

    @pytest.mark.parametrize("role", Role.values)
    def test_forms_by_role(self, client, users, firm, role):
        self.scope_user = users[role]
        super().test_forms_by_role(client, users, firm, role)
