"""Public URLs of the reservations context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver

app_name = "reservations_public"

urlpatterns: list[URLPattern | URLResolver] = []
