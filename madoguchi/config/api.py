"""The public read API under /api/v1/ (django-ninja); OpenAPI schema at /api/v1/openapi.json.

Each context adds its own router here. Errors are JSON ({"detail": ...}) with a 4xx code.
"""

from __future__ import annotations

from ninja import NinjaAPI

from madoguchi.knowledge.api import router as knowledge_router

api = NinjaAPI(
    title="Madoguchi API",
    version="1",
    description="Read-only public API of Madoguchi (FAQ-9): published FAQs, categories, "
    "search and suggestions per center.",
    urls_namespace="api_v1",
    docs_url=None,  # the schema is the documentation; the HTML viewer would load a CDN
)
api.add_router("/", knowledge_router)
