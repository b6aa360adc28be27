"""Brand, product group and product staff pages."""

from pricing.models import Brand, Product, ProductGroup
from tests.contracts.pages import EVERY_ROLE
from tests.pricing import CodedPages
from tests.pricing.factories import make_brand, make_group, make_item, make_price_list, make_product


class TestBrandPages(CodedPages):
    model = Brand
    factory = make_brand
    view_roles = EVERY_ROLE
    code_prefix, names = "BR", ("Falcon", "فالكون")


class TestProductGroupPages(CodedPages):
    model = ProductGroup
    factory = make_group
    view_roles = EVERY_ROLE
    code_prefix, names = "GR", ("Laptops", "محمول")

    def test_a_loop_in_the_tree_shows_on_the_parent_field(self, client, admin_user, firm):
        top = self.make(firm)
        below = self.make(firm, parent=top)
        client.force_login(admin_user)
        response = client.post(self.page("update", top.pk), {
            "code": top.code, "name": top.name, "parent": below.pk, "is_active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
        top.refresh_from_db()
        assert top.parent_id is None


class TestProductPages(CodedPages):
    model = Product
    factory = make_product
    view_roles = EVERY_ROLE
    code_prefix, names = "PR", ("Office chair", "كرسي مكتب")
    fields = {"unit": "unit", "standard_price": "1250", "cost_price": "820", "tax_rate": "15"}

    def test_list_filters_by_group_with_subgroups_and_searches(self, client, admin_user,
                                                                  firm):
        top = make_group(firm)
        inside = self.make(firm, group=make_group(firm, parent=top), name="Inside")
        outside = self.make(firm, name="Outside")
        client.force_login(admin_user)
        html = client.get(self.page("list"), {"group": top.pk}).content.decode()
        assert self.page("detail", inside.pk) in html
        assert self.page("detail", outside.pk) not in html
        html = client.get(self.page("list"), {"search": "outsi"}).content.decode()
        assert self.page("detail", outside.pk) in html
        assert self.page("detail", inside.pk) not in html
        assert "/api/v1/products?" in html and "format=csv" in html

    def test_a_taken_code_shows_on_the_code_field(self, client, admin_user, firm):
        self.make(firm, code="DUP-1")
        client.force_login(admin_user)
        response = client.post(self.page("create"), {**self.form_data(firm), "code": "DUP-1"})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]

    def test_detail_shows_its_list_prices(self, client, admin_user, firm):
        product = self.make(firm)
        make_item(make_price_list(firm, name="Retail"), product, "77")
        client.force_login(admin_user)
        html = client.get(self.page("detail", product.pk)).content.decode()
        assert 'data-testid="product-prices"' in html and "Retail" in html
