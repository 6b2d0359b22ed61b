"""Navigation and the center switcher for every console page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from madoguchi.console.navigation import navigation


def console(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/console/") or not request.user.is_authenticated:
        return {}
    center = getattr(request, "center", None)
    return {
        "console_center": center,
        "console_centers": getattr(request, "centers", []),
        "console_nav": navigation(user=request.user, center=center, path=request.path),
    }
