"""What every staff page honours: login, role permissions (403), tenancy (404), rendering,
a working form and a history tab naming the actor. Resources subclass PagesContract."""

import pytest
from django.urls import reverse

from core.choices import Role
from tests.contracts import call_factory

# Who may open or change a resource's pages, for `view_roles` and `change_roles`.
EVERY_ROLE = set(Role.values)
SELLERS = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON}
READERS = {Role.ADMIN, Role.SALES_MANAGER, Role.SALES_PERSON, Role.FINANCE}
MANAGERS = {Role.ADMIN, Role.SALES_MANAGER}

# The header htmx sends, for the partial answers of a page.
HTMX = {"HTTP_HX_REQUEST": "true"}


def management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    """The management form of the formset `prefix` in a POST."""
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


@pytest.mark.django_db
class PagesContract:
    model: type
    namespace: str | None = None  # the URL namespace; the model's app label unless set
    view_roles: set[str] = {Role.ADMIN}
    change_roles: set[str] = {Role.ADMIN}
    # Documents made by their services (invoices, credit notes) have no update page.
    has_update_page = True

    # The factory make() calls: make_<row>(firm, **fields). A resource whose rows need more
    # than that overrides make instead.
    factory = None

    def make(self, firm, **overrides):
        return call_factory(self, firm, **overrides)

    def make_for(self, firm, user):
        """The row the role tests open: by default any row of the firm; a resource whose role
        scope narrows the rows (a seller's own) gives one `user` reaches."""
        return self.make(firm)

    def guarded_pages(self, pk) -> list[str]:
        """The pages of one row that a user of another firm must not find."""
        return [self.page("detail", pk), self.page("update", pk)]

    def form_data(self, firm) -> dict:
        """A valid POST of the create form."""
        raise NotImplementedError

    def page(self, action: str, *args) -> str:
        namespace = self.namespace or self.model._meta.app_label
        return reverse(f"{namespace}:{self.model._meta.model_name}_{action}", args=args)

    def test_login_required(self, client, firm):
        obj = self.make(firm)
        for url in (self.page("list"), self.page("detail", obj.pk)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("role", Role.values)
    def test_list_and_detail_by_role(self, client, users, firm, role):
        obj = self.make_for(firm, users[role])
        client.force_login(users[role])
        expected = 200 if role in self.view_roles else 403
        assert client.get(self.page("list")).status_code == expected
        assert client.get(self.page("detail", obj.pk)).status_code == expected

    @pytest.mark.parametrize("role", Role.values)
    def test_forms_by_role(self, client, users, firm, role):
        obj = self.make(firm) if self.has_update_page else None
        client.force_login(users[role])
        expected = 200 if role in self.change_roles else 403
        assert client.get(self.page("create")).status_code == expected
        if obj is not None:
            assert client.get(self.page("update", obj.pk)).status_code == expected
        before = self.model_rows(firm)
        response = client.post(self.page("create"), self.form_data(firm))
        if role in self.change_roles:
            assert response.status_code == 302, response.content.decode()[:2000]
            assert self.model_rows(firm) == before + 1
        else:
            assert response.status_code == 403
            assert self.model_rows(firm) == before

    def test_other_firm_is_not_found(self, client, admin_user, other_firm):
        foreign = self.make(other_firm)
        client.force_login(admin_user)
        for url in self.guarded_pages(foreign.pk):
            assert client.get(url).status_code == 404, url

    def test_list_shows_rows_and_filters(self, client, admin_user, firm):
        obj = self.make(firm)
        client.force_login(admin_user)
        response = client.get(self.page("list"))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-testid="list-table"' in html
        assert self.page("detail", obj.pk) in html

    def test_detail_history_names_the_actor(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post(self.page("create"), self.form_data(firm))
        assert response.status_code == 302
        detail = client.get(response["Location"])
        assert detail.status_code == 200
        timeline = detail.context["timeline"]
        assert timeline and timeline[-1]["actor"] == admin_user

    def test_invalid_form_shows_errors_and_saves_nothing(self, client, admin_user, firm):
        client.force_login(admin_user)
        before = self.model_rows(firm)
        response = client.post(self.page("create"), {})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert self.model_rows(firm) == before

    def model_rows(self, firm) -> int:
        return self.model._default_manager.filter(firm=firm).count()
