"""The dispatch board and the driver's run sheet."""

urlpatterns: list = []
