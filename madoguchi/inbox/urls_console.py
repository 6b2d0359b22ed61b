"""Console URLs of the inbox context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver

app_name = "inbox_console"

urlpatterns: list[URLPattern | URLResolver] = []
