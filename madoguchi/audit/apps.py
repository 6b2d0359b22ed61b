from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditConfig(AppConfig):
    name = "madoguchi.audit"
    label = "audit"

    def ready(self) -> None:
        # Every app declares its action codes in audit_actions.py.
        autodiscover_modules("audit_actions")
