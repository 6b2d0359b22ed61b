"""WebSocket routes of the interactions context (the operator desk)."""

from django.urls import path

from madoguchi.interactions.consumers import DeskConsumer

websocket_urlpatterns = [
    path("ws/desk/<int:center_id>/", DeskConsumer.as_asgi()),
]
