"""Console URLs of the reservations context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver

app_name = "reservations_console"

urlpatterns: list[URLPattern | URLResolver] = []
