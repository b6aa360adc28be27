"""Delivery staff pages, mounted at /delivery/ (names in the `delivery` namespace,
<model>_<action> as everywhere, architecture §5.11): the notes' pages (views.py), the dispatch
board and the driver's run sheet (board.py)."""

from . import board, views

app_name = "delivery"

urlpatterns = [*views.urlpatterns, *board.urlpatterns]
