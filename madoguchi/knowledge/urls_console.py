"""Console URLs of the knowledge context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver

app_name = "knowledge_console"

urlpatterns: list[URLPattern | URLResolver] = []
