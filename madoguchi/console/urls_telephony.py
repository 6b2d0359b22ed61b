"""Console URLs: telephony settings (included from console/urls.py at calls/)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.console import telephony

urlpatterns: list[URLPattern | URLResolver] = [
    path("announcements/", telephony.announcements, name="announcements"),
    path(
        "announcements/<str:kind>/<str:language>/",
        telephony.announcement_edit,
        name="announcement_edit",
    ),
    path(
        "announcements/<str:kind>/<str:language>/audio/",
        telephony.announcement_audio,
        name="announcement_audio",
    ),
    path("forwarding/", telephony.forwarding, name="forwarding"),
    path("queues/", telephony.queues, name="queues"),
    path("queues/<int:pk>/", telephony.queue_edit, name="queue_edit"),
    path("voicemail/", telephony.voicemail_list, name="voicemail"),
    path("voicemail/<int:pk>/status/", telephony.voicemail_status, name="voicemail_status"),
]
