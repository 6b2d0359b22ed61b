from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "madoguchi.calls"
    label = "calls"
