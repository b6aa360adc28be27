from django.apps import AppConfig


class TestappConfig(AppConfig):
    """Only installed under pytest: a document with a state machine for the generic machinery."""

    name = "tests.testapp"
    label = "testapp"
    role_permissions = {"sales_manager": ["view_gadget"]}
