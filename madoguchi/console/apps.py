from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "madoguchi.console"
    label = "console"
