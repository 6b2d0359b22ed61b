"""Public URLs of the reservations context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations import api

app_name = "reservations_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/book", api.book, name="api_book"),
]
