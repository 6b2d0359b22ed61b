from django.apps import AppConfig


class PublicsiteConfig(AppConfig):
    name = "madoguchi.publicsite"
    label = "publicsite"
