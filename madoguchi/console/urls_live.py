"""Console URLs: live screens (wallboard, agent phone state)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.console import live

urlpatterns: list[URLPattern | URLResolver] = [
    path("wallboard/", live.wallboard, name="wallboard"),
    path("wallboard/demo-call/", live.demo_call, name="demo_call"),
    path("phone/", live.phone, name="phone"),
    path("phone/action/", live.phone_action, name="phone_action"),
]
