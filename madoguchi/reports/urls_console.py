"""Console URLs of the reports context (included from console/urls.py at reports/)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reports import views_console

app_name = "reports_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/", views_console.settings_edit, name="settings"),
]
