"""crm tests. RoleScopedContract is for API contracts of rows a role sees only when they are
its own (a sales person's leads, a manager's team's campaigns)."""

import pytest

from core.choices import Role


class RoleScopedContract:
    """During test_role_permissions, `scope_user` is the role's user: a resource's `make`
    gives it the rows it makes (as owner, assignee or sales person), so the operations the
    role may perform reach a row in its scope instead of answering 404."""

    scope_user = None

    @pytest.mark.parametrize("role", Role.values)
    def test_role_permissions(self, role, users, firm):
        self.scope_user = users[role]
        super().test_role_permissions(role, users, firm)

    def scoped(self, firm):
        """The role's user when making rows of its own firm during the permission test."""
        user = self.scope_user
        return user if user is not None and user.firm_id == firm.pk else None
