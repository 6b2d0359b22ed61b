"""Console URLs of the interactions context, included at /console/desk/ in the
``console`` namespace (console/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.interactions import views_console as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.desk, name="desk"),
    path("tally/", views.desk_tally, name="desk_tally"),
    path("record/", views.desk_record, name="desk_record"),
    path("history/", views.history, name="history"),
    path("history/export.<str:fmt>", views.history_export, name="history_export"),
    path("history/<int:pk>/", views.record_detail, name="record_detail"),
    path("history/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("followups/", views.followups, name="followups"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation"),
    path("escalations/<int:pk>/start/", views.escalation_start_view, name="escalation_start"),
    path("escalations/<int:pk>/report/", views.escalation_report_view, name="escalation_report"),
    path("escalations/<int:pk>/confirm/", views.escalation_confirm_view, name="escalation_confirm"),
    path("callbacks/<int:pk>/attempt/", views.callback_attempt_view, name="callback_attempt"),
    path("voicemail/<int:pk>/callback/", views.voicemail_callback_view, name="voicemail_callback"),
    path("categories/", views.categories, name="categories"),
    path("categories/add/", views.category_add, name="category_add"),
    path("categories/<int:pk>/", views.category_change, name="category_change"),
    path("complaints/", views.complaints, name="complaints"),
    path("long-calls/", views.long_calls_view, name="long_calls"),
]
