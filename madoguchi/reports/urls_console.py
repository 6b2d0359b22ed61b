"""Console URLs of the reports context, included at /console/reports/ in the ``console``
namespace (console/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reports import views_console as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.reports_home, name="reports"),
    path("<str:kind>/", views.report_detail, name="report_detail"),
    path("<str:kind>/download/", views.report_download_view, name="report_download"),
]
