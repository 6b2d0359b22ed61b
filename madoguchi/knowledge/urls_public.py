"""Public URLs of the knowledge context (included by config/urls*.py under /faq/)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.knowledge import views_public as views

app_name = "knowledge_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="home"),
    path("<slug:center_slug>/", views.index, name="index"),
    path("<slug:center_slug>/search/", views.search, name="search"),
    path("<slug:center_slug>/suggest/", views.suggest, name="suggest"),
    path("<slug:center_slug>/ranking/", views.ranking, name="ranking"),
    path("<slug:center_slug>/statistics/", views.statistics, name="statistics"),
    path(
        "<slug:center_slug>/category/<slug:axis>/<slug:slug>/",
        views.category,
        name="category",
    ),
    path("<slug:center_slug>/<str:code>/", views.faq_page, name="faq"),
    path("<slug:center_slug>/<str:code>/vote/", views.vote, name="vote"),
    path(
        "<slug:center_slug>/<str:code>/attachments/<int:pk>/",
        views.attachment,
        name="attachment",
    ),
]
