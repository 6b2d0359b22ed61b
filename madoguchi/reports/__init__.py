"""Service-level reports: the KPI engine of ../shared/KPI.md, report documents, delivery."""
