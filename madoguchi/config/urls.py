"""All interfaces in one process (the default). See urls_public.py for a public-only process."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import URLPattern, URLResolver, include, path

from madoguchi.config.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("console/", include("madoguchi.console.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
urlpatterns += i18n_patterns(
    path("faq/", include("madoguchi.knowledge.urls_public")),
    path("booking/", include("madoguchi.reservations.urls_public")),
    path("inquiry/", include("madoguchi.inbox.urls_public")),
    path("", include("madoguchi.publicsite.urls")),
    prefix_default_language=False,
)

handler404 = "madoguchi.publicsite.views.not_found"
handler500 = "madoguchi.publicsite.views.server_error"
