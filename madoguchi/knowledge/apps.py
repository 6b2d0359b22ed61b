from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "madoguchi.knowledge"
    label = "knowledge"
