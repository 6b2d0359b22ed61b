"""How a report cell reads in the PDF and on the screen (Excel keeps the raw numbers
with number formats; CSV keeps the raw values)."""

from __future__ import annotations

import math

from madoguchi.reports.documents import Cell


def cell_text(value: Cell, percent: bool = False) -> str:
    """0.923 → "92.3%" in a percent column; 1234 → "1,234"; 12.345 → "12.3"; None → ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "○" if value else "×"
    if percent and isinstance(value, int | float):
        return f"{value * 100:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return value


def is_number(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (0, 0, 0),
]


def nice_max(value: float) -> float:
    """A round axis maximum ≥ ``value`` (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def axis_label(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
