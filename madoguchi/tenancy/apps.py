from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "madoguchi.tenancy"
    label = "tenancy"
