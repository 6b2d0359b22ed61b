"""Console URLs: recordings (included from console/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.console import recordings

urlpatterns: list[URLPattern | URLResolver] = [
    path("", recordings.recordings, name="recordings"),
    path("<uuid:pk>/", recordings.recording_detail, name="recording_detail"),
    path("<uuid:pk>/audio/", recordings.recording_audio, name="recording_audio"),
    path("<uuid:pk>/hold/", recordings.recording_hold_view, name="recording_hold"),
    path("<uuid:pk>/release/", recordings.recording_release_view, name="recording_release"),
    path("<uuid:pk>/delete/", recordings.recording_delete_view, name="recording_delete"),
]
