"""Public URLs of the inbox context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.inbox import views_public as views

app_name = "inbox_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.center_choice, name="centers"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("<slug:slug>/", views.inquiry, name="form"),
    path("<slug:slug>/thanks/<str:token>/", views.thanks, name="thanks"),
    path("<slug:slug>/survey/", views.center_survey, name="center_survey"),
]
