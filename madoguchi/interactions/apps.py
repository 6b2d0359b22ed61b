from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "madoguchi.interactions"
    label = "interactions"
