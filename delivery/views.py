"""Delivery note staff pages: list, detail with the timeline, form, actions, proof, PDF."""

urlpatterns: list = []
