"""The booking site's public URL and its QR code for city publicity (RSV-9): posters,
the city newsletter, the coupon letter. LINE rich menus link to the same URL with
``?channel=line`` so those bookings are counted as LINE."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.urls import reverse
from django.utils.translation import override

from madoguchi.reservations.errors import ReservationsError
from madoguchi.tenancy.models import Center


def booking_public_url(
    *, center: Center, base_url: str, language: str = "ja", channel: str = ""
) -> str:
    """The absolute URL of a center's booking log-in page in ``language``."""
    base = base_url.strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ReservationsError(
            "公開URLは https:// から始まる形で指定してください。", field="base_url"
        )
    with override(language):
        path = reverse("reservations_public:login", kwargs={"center": center.slug})
    query = f"?{urlencode({'channel': channel})}" if channel else ""
    return f"{base}{path}{query}"


def booking_qr(url: str) -> segno.QRCode:
    """A QR code of ``url`` with error correction level M (survives a folded poster)."""
    return segno.make(url, error="m", micro=False, boost_error=False)
