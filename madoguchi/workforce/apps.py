from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "madoguchi.workforce"
    label = "workforce"
