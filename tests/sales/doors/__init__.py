"""The quote doors: API, staff pages, admin, demo data, and resolver prices on lines."""
