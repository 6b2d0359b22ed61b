"""Console URLs of the workforce context, to be included at /console/staffing/ in the
``console`` namespace: ``path("staffing/", include("madoguchi.workforce.urls_console"))``."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.workforce import views_console as v

app_name = "workforce_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.home, name="home"),
    path("settings/", v.settings_save, name="settings"),
    path("events/", v.event_add, name="event_add"),
    path("events/<int:pk>/delete/", v.event_delete, name="event_delete"),
    path("day/", v.day_view, name="day"),
    path("day/plan/", v.plan_build, name="plan_build"),
    path("day/planned/", v.planned_save, name="planned_save"),
    path("day/whatif/", v.whatif_view, name="whatif"),
    path("seats/", v.seats, name="seats"),
]
