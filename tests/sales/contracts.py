"""What the API and page tests of the priced documents, quotes and sales orders, share: both
are made for a customer with lines priced like business-rules §2's example, and a seller
reaches only their own (the quote's owner, the order's author)."""

import copy

from tests.contracts.api import ApiContract, assert_error, assert_params_refused
from tests.contracts.pages import management
from tests.crm import RoleScopedContract
from tests.crm.factories import make_customer

# business-rules §2's example as API items (EXAMPLE_LINES of tests/sales/factories.py):
# A 2 × 1000 less 10 %; B 1 × 500 less 50, untaxed. With 100 off the total is 2408.
EXAMPLE_ITEMS = [
    {"description": "Line A", "quantity": 2, "unitPrice": 1000, "discountPercent": 10,
     "taxRate": 15},
    {"description": "Line B", "quantity": 1, "unitPrice": 500, "discountAmount": 50,
     "taxRate": 15, "taxable": False},
]


def assert_pdf_served(api, url: str) -> None:
    """The document's PDF endpoint `url` answers a PDF in Arabic and refuses a language it
    does not print."""
    response = api.get(url, {"language": "ar"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert_error(api.get(url, {"language": "fr"}), 400, "validation_error")


def own_customer(contract, firm):
    """A customer of the role's user while a role-scoped contract runs the role tests (so a
    seller may use it), of nobody the rest of the time."""
    owner = contract.scoped(firm)
    return make_customer(firm, owner=owner) if owner else make_customer(firm)


def line_data(rows: list[dict]) -> dict:
    """The POST of a priced document form's line formset: `rows` of field values, taxable
    unless a row says otherwise."""
    data = management("items", len(rows))
    for index, row in enumerate(rows):
        data.update({f"items-{index}-{name}": value for name, value in row.items()})
        data.setdefault(f"items-{index}-taxable", "on")
    return data


class PricedDocumentApi(RoleScopedContract, ApiContract):
    """A priced document through the API: created with the example items and 100 off for a
    customer of the role's user, found by its customer's name."""

    # The document's own fields in the create payload.
    payload: dict = {}

    def create_payload(self, firm):
        return {"customerId": own_customer(self, firm).pk, "discountType": "amount",
                "discountValue": 100, "items": copy.deepcopy(EXAMPLE_ITEMS), **self.payload}

    def invalid_payload(self, firm):
        return {"items": [{"description": "X", "quantity": 1, "unitPrice": 1}]}, "customerId"

    def search_case(self, firm):
        self.make(firm)
        customer = make_customer(firm, name="Qassim Dates Co.")
        return self.make(firm, customer=customer), "qassim dates"

    def document_cases(self, big, small) -> list[tuple[dict, object, object]]:
        """The filter cases every priced document list has, for the example document dated
        1 March 2026 (`big`) and a single line of 1 × 10 dated 10 January (`small`)."""
        return [({"customerId": str(big.customer_id)}, big, small),
                ({"startDate": "2026-02-01"}, big, small),
                ({"endDate": "2026-02-01"}, small, big),
                ({"totalMin": "1000"}, big, small),
                ({"totalMax": "100"}, small, big)]

    def test_bad_filter_values_are_refused(self, api):
        assert_params_refused(api, self.path, {"status": "asleep", "totalMin": "lots"})
