"""The project's URLs with the workforce console wired in at /console/staffing/, as the
lead will wire it in console/urls.py (until then only these tests mount it)."""

from django.urls import URLPattern, URLResolver, include, path

from madoguchi.config import urls as project
from madoguchi.console import urls as console

# console/urls.py declares no element type for its list.
console_existing: list[URLPattern | URLResolver] = console.urlpatterns  # type: ignore[assignment]
console_patterns: list[URLPattern | URLResolver] = [
    *console_existing,
    path("staffing/", include("madoguchi.workforce.urls_console")),
]
urlpatterns: list[URLPattern | URLResolver] = [
    path("console/", include((console_patterns, "console"))),
    *(p for p in project.urlpatterns if str(getattr(p, "pattern", "")) != "console/"),
]
