"""Console URLs of the inbox context (included by config/urls*.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.inbox import views_console as views

app_name = "inbox_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inbox_list, name="list"),
    path("templates/", views.template_index, name="templates"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("settings/", views.settings_save, name="settings"),
    path("<int:pk>/", views.inbox_detail, name="detail"),
    path("<int:pk>/assign/", views.inbox_assign, name="assign"),
    path("<int:pk>/reply/", views.inbox_reply, name="reply"),
    path("<int:pk>/close/", views.inbox_close, name="close"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.inbox_attachment, name="attachment"),
]
