from decimal import Decimal

import pytest

from core import services
from core.choices import Role
from core.models import SalesSettings
from tests.conftest import client_for
from tests.contracts.api import assert_camel_keys, assert_error

URL = "/api/v1/settings/sales"


@pytest.mark.django_db
class TestDefaults:
    def test_spec_defaults(self, firm):
        s = services.settings_read(firm=firm)
        assert (s.general.default_currency, s.general.default_payment_terms,
                s.general.rounding_method, s.general.rounding_precision) == (
            "SAR", "net_30", "nearest", 2)
        assert (s.quotes.default_validity_days, s.quotes.reminder_days_before,
                s.quotes.require_approval, s.quotes.approval_threshold) == (30, 3, False, None)
        assert (s.pricing.minimum_margin_percent, s.pricing.allow_price_override) == (
            Decimal("10"), True)
        assert (s.discounts.max_line_discount_percent, s.discounts.max_order_discount_percent,
                s.discounts.discount_approval_threshold) == (
            Decimal("20"), Decimal("15"), Decimal("10"))
        assert (s.commissions.calculate_on, s.commissions.settlement_frequency) == (
            "invoice", "monthly")
        assert (s.returns.default_return_window_days, s.returns.default_restocking_fee_percent,
                s.returns.require_inspection) == (30, Decimal("10"), True)
        assert (s.tax.default_tax_rate, s.tax.calculate_tax_on_discount,
                s.tax.round_tax_per_line, s.tax.tax_included_in_price) == (
            Decimal("15"), True, False, False)
        assert s.documents.default_language == "both"
        assert (s.sequences.order.prefix, s.sequences.order.padding,
                s.sequences.order.reset_period, s.sequences.order.include_year) == (
            "SO-", 4, "yearly", True)

    def test_api_get_returns_every_section_camel_cased(self, api):
        response = api.get(URL)
        assert response.status_code == 200
        settings = response.json()["data"]["settings"]
        assert set(settings) == {"general", "quotes", "orders", "pricing", "discounts",
                                 "commissions", "delivery", "returns", "tax", "documents",
                                 "sequences"}
        assert settings["tax"]["defaultTaxRate"] == 15
        assert settings["sequences"]["order"]["currentNumber"] == 0
        assert_camel_keys(response.json())


@pytest.mark.django_db
class TestUpdates:
    def test_section_update_merges_and_records_the_actor(self, api, firm, admin_user):
        response = api.put(f"{URL}/discounts", {"maxLineDiscountPercent": 25}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["messageAr"]
        s = services.settings_read(firm=firm)
        assert s.discounts.max_line_discount_percent == Decimal("25")
        assert s.discounts.max_order_discount_percent == Decimal("15")  # untouched
        record = SalesSettings.objects.get(firm=firm).history.latest()
        assert record.history_user_id == admin_user.pk

    def test_whole_update_is_all_or_nothing(self, api, firm):
        response = api.put(URL, {"tax": {"defaultTaxRate": 5},
                                 "returns": {"defaultReturnWindowDays": -1}}, format="json")
        error = assert_error(response, 400, "validation_error")
        assert set(error["details"]) == {"returns.defaultReturnWindowDays"}
        assert services.settings_read(firm=firm).tax.default_tax_rate == Decimal("15")

    @pytest.mark.parametrize(("section", "values", "field"), [
        ("tax", {"defaultTaxRate": 101}, "tax.defaultTaxRate"),
        ("discounts", {"maxOrderDiscountPercent": -1}, "discounts.maxOrderDiscountPercent"),
        ("general", {"roundingMethod": "sideways"}, "general.roundingMethod"),
        ("general", {"defaultCurrency": "XYZ"}, "general.defaultCurrency"),
        ("commissions", {"settlementFrequency": "weekly"}, "commissions.settlementFrequency"),
        ("quotes", {"defaultValidityDays": 5, "reminderDaysBefore": 7},
         "quotes.reminderDaysBefore"),
        ("sequences", {"order": {"includeYear": False}}, "sequences.order.includeYear"),
        ("sequences", {"quote": {"resetPeriod": "monthly"}}, "sequences.quote.includeMonth"),
        ("sequences", {"quote": {"padding": 0}}, "sequences.quote.padding"),
    ])
    def test_invalid_values_are_refused(self, api, firm, section, values, field):
        before = services.settings_values(firm=firm)
        error = assert_error(api.put(f"{URL}/{section}", values, format="json"), 400,
                             "validation_error")
        assert field in error["details"], error["details"]
        assert services.settings_values(firm=firm) == before

    def test_approvers_must_be_users_of_the_firm(self, api, firm, users, other_firm):
        from tests.factories import make_user

        stranger = make_user(firm=other_firm, role=Role.ADMIN, username="stranger")
        error = assert_error(api.put(f"{URL}/quotes", {"approvers": [stranger.pk]},
                                     format="json"), 400, "validation_error")
        assert "quotes.approvers" in error["details"]
        manager = users[Role.SALES_MANAGER]
        assert api.put(f"{URL}/quotes", {"approvers": [manager.pk]},
                       format="json").status_code == 200
        assert services.settings_read(firm=firm).quotes.approvers == [manager.pk]

    def test_unknown_section(self, api):
        assert_error(api.put(f"{URL}/nonsense", {}, format="json"), 404,
                     "unknown_settings_section")
        assert_error(api.put(f"{URL}/reset/nonsense"), 404, "unknown_settings_section")
        error = assert_error(api.put(URL, {"nonsense": {}}, format="json"), 400,
                             "validation_error")
        assert "nonsense" in error["details"]

    def test_reset_section(self, api, firm):
        api.put(f"{URL}/tax", {"defaultTaxRate": 5, "roundTaxPerLine": True}, format="json")
        response = api.put(f"{URL}/reset/tax")
        assert response.status_code == 200
        assert response.json()["data"]["settings"]["tax"]["defaultTaxRate"] == 15
        assert services.settings_read(firm=firm).tax.round_tax_per_line is False

    def test_validate_saves_nothing(self, api, firm):
        response = api.post(f"{URL}/validate", {"tax": {"defaultTaxRate": 500}}, format="json")
        assert response.json()["data"]["validation"] == {
            "valid": False, "errors": {"tax.defaultTaxRate": [
                "Ensure this value is less than or equal to 100."]}}
        ok = api.post(f"{URL}/validate", {"tax": {"defaultTaxRate": 5}}, format="json")
        assert ok.json()["data"]["validation"] == {"valid": True, "errors": {}}
        assert services.settings_read(firm=firm).tax.default_tax_rate == Decimal("15")

    def test_export_then_import_into_another_firm(self, api, firm, other_firm):
        api.put(f"{URL}/tax", {"defaultTaxRate": 5}, format="json")
        api.put(f"{URL}/sequences", {"order": {"prefix": "ORD-"}}, format="json")
        exported = api.post(f"{URL}/export").json()["data"]["export"]
        assert exported["version"] == 1
        from tests.factories import make_user

        other_admin = client_for(make_user(firm=other_firm, role=Role.ADMIN,
                                           username="other-admin"))
        response = other_admin.post(f"{URL}/import", {"settings": exported["settings"]},
                                    format="json")
        assert response.status_code == 200, response.content
        imported = services.settings_read(firm=other_firm)
        assert imported.tax.default_tax_rate == Decimal("5")
        assert imported.sequences.order.prefix == "ORD-"

    def test_import_refuses_a_bad_document_whole(self, api, firm):
        response = api.post(f"{URL}/import", {"settings": {"tax": {"defaultTaxRate": 5},
                                                           "general": {"roundingPrecision": 9}}},
                            format="json")
        assert_error(response, 400, "validation_error")
        assert services.settings_read(firm=firm).tax.default_tax_rate == Decimal("15")
        assert_error(api.post(f"{URL}/import", {"nothing": 1}, format="json"), 400,
                     "validation_error")

    def test_history_lists_changes_with_actor(self, api, admin_user):
        api.put(f"{URL}/tax", {"defaultTaxRate": 5}, format="json")
        api.put(f"{URL}/tax", {"roundTaxPerLine": True}, format="json")
        body = api.get(f"{URL}/history").json()["data"]
        latest = body["history"][0]
        assert latest["changedById"] == admin_user.pk
        assert latest["changes"] == [{"section": "tax", "field": "round_tax_per_line",
                                      "old": False, "new": True}]
        assert body["history"][1]["changes"] == [{"section": "tax", "field": "default_tax_rate",
                                                  "old": 15.0, "new": 5.0}]
        assert body["pagination"]["total"] == 3  # creation + two changes


@pytest.mark.django_db
class TestPermissionsAndTenancy:
    @pytest.mark.parametrize("role", Role.values)
    def test_roles(self, users, role):
        client = client_for(users[role])
        can_view = role in (Role.ADMIN, Role.SALES_MANAGER, Role.FINANCE)
        read = client.get(URL)
        assert read.status_code == (200 if can_view else 403)
        write = client.put(f"{URL}/tax", {"defaultTaxRate": 5}, format="json")
        assert write.status_code == (200 if role == Role.ADMIN else 403)

    def test_firms_do_not_share_settings(self, api, firm, other_firm):
        api.put(f"{URL}/tax", {"defaultTaxRate": 5}, format="json")
        assert services.settings_read(firm=other_firm).tax.default_tax_rate == Decimal("15")

    def test_unauthenticated(self, db):
        assert_error(client_for(None).get(URL), 401, "not_authenticated")


@pytest.mark.django_db
class TestSettingsPage:
    def test_page_renders_every_section(self, client, admin_user):
        client.force_login(admin_user)
        for section in ("general", "quotes", "sequences", "documents"):
            response = client.get(f"/settings/{section}/")
            assert response.status_code == 200
        assert client.get("/settings/nonsense/").status_code == 404

    def test_save_from_the_page(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post("/settings/tax/", {
            "default_tax_rate": "5", "tax_included_in_price": "false",
            "calculate_tax_on_discount": ["false", "true"], "round_tax_per_line": "false",
            "tax_rounding_method": "nearest", "reason": "new law"})
        assert response.status_code == 302
        s = services.settings_read(firm=firm)
        assert (s.tax.default_tax_rate, s.tax.calculate_tax_on_discount) == (Decimal("5"), True)
        record = SalesSettings.objects.get(firm=firm).history.latest()
        assert (record.history_user_id, record.history_change_reason) == (admin_user.pk,
                                                                          "new law")

    def test_page_errors_keep_what_was_typed(self, client, admin_user, firm):
        client.force_login(admin_user)
        response = client.post("/settings/sequences/", {
            "order.prefix": "ORD-", "order.reset_period": "monthly",
            "order.include_year": "true", "order.include_month": "false"})
        assert response.status_code == 400
        order = next(f for f in response.context["fields"] if f["name"] == "order")
        month = next(f for f in order["fields"] if f["name"] == "order.include_month")
        assert month["errors"] == ["A sequence that restarts every month must include the "
                                   "month."]
        prefix = next(f for f in order["fields"] if f["name"] == "order.prefix")
        assert prefix["value"] == "ORD-"
        assert services.settings_read(firm=firm).sequences.order.prefix == "SO-"

    def test_reset_export_import_from_the_page(self, client, admin_user, firm):
        import io
        import json

        client.force_login(admin_user)
        services.settings_update(firm=firm, actor=admin_user,
                                 changes={"tax": {"default_tax_rate": 5}})
        exported = client.get("/settings/export/")
        document = json.loads(exported.content)
        assert document["settings"]["tax"]["defaultTaxRate"] == 5
        assert client.post("/settings/tax/reset/").status_code == 302
        assert services.settings_read(firm=firm).tax.default_tax_rate == Decimal("15")
        upload = io.BytesIO(json.dumps(document).encode())
        upload.name = "settings.json"
        client.post("/settings/import/", {"file": upload})
        assert services.settings_read(firm=firm).tax.default_tax_rate == Decimal("5")

    def test_read_only_roles_cannot_post(self, client, users):
        client.force_login(users[Role.FINANCE])
        assert client.get("/settings/").status_code == 200
        assert client.post("/settings/tax/", {"default_tax_rate": "5"}).status_code == 403
        assert client.post("/settings/tax/reset/").status_code == 403
        client.force_login(users[Role.WAREHOUSE])
        assert client.get("/settings/").status_code == 403


@pytest.mark.django_db
def test_numbers_render_plainly_in_arabic(client, admin_user):
    client.force_login(admin_user)
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    html = client.get("/settings/tax/").content.decode()
    assert 'name="default_tax_rate" value="15"' in html
