"""Protecting files that leave the system: one password per file, told separately.

Shared by the encrypted venue lists (reservations/venue_lists.py) and the delivered
reports (reports/crypto.py): the password alphabet, the Office (xlsx) encryption
(msoffcrypto-tool, ECMA-376 agile), the PDF encryption and Japanese font of fpdf2
(AES-256; Noto Sans CJK from Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from fpdf import FPDF

FONT_CANDIDATES = [
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKjp-Regular.otf"),
]
PDF_FONT = "NotoSansCJK"
#: No look-alikes (0/O, 1/l/I): the password is read out by phone or typed from a mail.
_SYMBOLS = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def password_new() -> str:
    """12 symbols without look-alikes (~69 bits), easy to read out by phone."""
    return "".join(secrets.choice(_SYMBOLS) for _i in range(12))


def xlsx_encrypt(content: bytes, password: str) -> bytes:
    """The xlsx ``content`` as an Office-encrypted file that opens only with ``password``."""
    import msoffcrypto
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    office: OOXMLFile = msoffcrypto.OfficeFile(io.BytesIO(content))
    office.encrypt(password, encrypted)
    return encrypted.getvalue()


def japanese_font() -> Path | None:
    """Noto Sans CJK when installed (scripts/ensure-fonts.sh), else None."""
    return next((path for path in FONT_CANDIDATES if path.exists()), None)


def pdf_add_japanese_font(pdf: FPDF, regular: Path) -> None:
    """Register Noto Sans CJK (regular and bold) as ``PDF_FONT`` on ``pdf``."""
    bold = regular.with_name(regular.name.replace("Regular", "Bold"))
    # Index 0 of Noto Sans CJK collections is the Japanese (JP) face.
    pdf.add_font(PDF_FONT, fname=str(regular), collection_font_number=0)
    pdf.add_font(
        PDF_FONT, style="B", fname=str(bold if bold.exists() else regular), collection_font_number=0
    )


def pdf_protect(pdf: FPDF, password: str) -> None:
    """Encrypt ``pdf`` with AES-256: it opens only with ``password`` (the owner password
    is random and thrown away)."""
    from fpdf.enums import EncryptionMethod

    pdf.set_encryption(
        owner_password=secrets.token_urlsafe(24),
        user_password=password,
        encryption_method=EncryptionMethod.AES_256,
    )
