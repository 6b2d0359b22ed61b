"""Public URLs of the reservations context (included by config/urls*.py at /booking/).

Every page of a center sits behind the waiting room (views_public, admission.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations import api
from madoguchi.reservations import views_public as views

app_name = "reservations_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("api/book", api.book, name="api_book"),
    path("<slug:center>/", views.login, name="login"),
    path("<slug:center>/logout/", views.logout, name="logout"),
    path("<slug:center>/mine/", views.mine, name="mine"),
    path("<slug:center>/book/<slug:service>/<int:dose>/", views.choose, name="choose"),
    path(
        "<slug:center>/book/<slug:service>/<int:dose>/<int:slot>/",
        views.confirm,
        name="confirm",
    ),
    path("<slug:center>/b/<str:reference>/", views.detail, name="detail"),
    path("<slug:center>/b/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("<slug:center>/b/<str:reference>/change/", views.change_choose, name="change"),
    path(
        "<slug:center>/b/<str:reference>/change/<int:slot>/",
        views.change_confirm,
        name="change_confirm",
    ),
]
