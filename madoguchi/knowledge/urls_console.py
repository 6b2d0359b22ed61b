"""Console URLs of the knowledge context (included by console/urls.py at /console/faq/)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.knowledge import views_console as views

app_name = "knowledge_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.faq_list, name="list"),
    path("new/", views.faq_create, name="create"),
    path("approvals/", views.approvals, name="approvals"),
    path("overdue/", views.overdue, name="overdue"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/remove/", views.synonym_remove, name="synonym_remove"),
    path("report/", views.search_report, name="report"),
    path("categories/", views.categories, name="categories"),
    path("export/", views.export, name="export"),
    path("import/", views.import_faqs, name="import"),
    path("pane/", views.pane_demo, name="pane"),
    path("pane/search/", views.pane_search, name="pane_search"),
    path("pane/suggest/", views.pane_suggest, name="pane_suggest"),
    path("pane/use/", views.pane_use, name="pane_use"),
    path("pane/view/", views.pane_view, name="pane_view"),
    path("f/<str:code>/", views.faq_detail, name="detail"),
    path("f/<str:code>/edit/", views.faq_edit, name="edit"),
    path("f/<str:code>/history/", views.faq_history, name="history"),
    path("f/<str:code>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "f/<str:code>/attachments/<int:pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("f/<str:code>/<str:step>/", views.faq_transition, name="transition"),
]
