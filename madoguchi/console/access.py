"""Who may open a console page, and in which center they are working."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from madoguchi.accounts.models import User
from madoguchi.accounts.permissions import Action, has_permission
from madoguchi.accounts.selectors import user_centers
from madoguchi.tenancy.models import Center

SESSION_CENTER = "console_center_id"
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class ConsoleRequest(HttpRequest):
    user: User
    center: Center | None
    centers: list[Center]


def current_center(request: HttpRequest) -> tuple[Center | None, list[Center]]:
    """The center chosen in the switcher, else the first one the user belongs to."""
    centers = list(user_centers(user=cast(User, request.user)))
    wanted = request.session.get(SESSION_CENTER)
    chosen = next((c for c in centers if c.pk == wanted), None)
    return (chosen or (centers[0] if centers else None)), centers


def console_view(action: Action | None = None) -> Callable[[View], View]:
    """Require a logged-in user and, if given, ``action`` in the current center."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            center, centers = current_center(request)
            request.center = center  # type: ignore[attr-defined]
            request.centers = centers  # type: ignore[attr-defined]
            if action is not None and not has_permission(request.user, center, action):
                return render(request, "console/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator
