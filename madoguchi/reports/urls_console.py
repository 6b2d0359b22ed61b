"""Console URLs of the reports context (included from console/urls.py at reports/, in the
``console:reports_console`` namespace)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reports import views_console

app_name = "reports_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_console.reports_home, name="home"),
    path("settings/", views_console.settings_edit, name="settings"),
    path("settings/recipients/", views_console.recipient_add, name="recipient_add"),
    path(
        "settings/recipients/<int:recipient_id>/remove/",
        views_console.recipient_remove,
        name="recipient_remove",
    ),
    path("<str:kind>/", views_console.report_detail, name="detail"),
    path("<str:kind>/download/", views_console.report_download_view, name="download"),
]
