from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "madoguchi.reports"
    label = "reports"

    def ready(self) -> None:
        # Registers one builder per report kind (registry.builder_for finds them).
        from madoguchi.reports import builders  # noqa: F401
