"""WebSocket routes of the calls context."""

from django.urls import path

from madoguchi.calls.consumers import WallboardConsumer

websocket_urlpatterns = [
    path("ws/wallboard/<int:center_id>/", WallboardConsumer.as_asgi()),
]
