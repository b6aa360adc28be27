"""pricing tests. CodedPages is the page contract of the pricing records that have a code and
names in both languages (brands, product groups, products, price lists, pricing rules)."""

from tests.contracts.pages import MANAGERS, PagesContract


class CodedPages(PagesContract):
    """The managers change these records. The create form posts `names` (English, Arabic),
    active, the record's own `fields`, and a code no row has yet: `code_prefix` and a number
    above the count of rows."""

    change_roles = MANAGERS
    code_prefix: str
    names: tuple[str, str]
    fields: dict = {}

    def form_data(self, firm):
        name, name_ar = self.names
        return {"code": f"{self.code_prefix}{self.model.objects.count() + 100}", "name": name,
                "name_ar": name_ar, "is_active": "on", **self.fields}
