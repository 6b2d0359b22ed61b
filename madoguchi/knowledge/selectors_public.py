"""Reads of the public FAQ site: weekly access ranking and helpfulness statistics.

Weeks are ISO weeks (Monday to Sunday) in Asia/Tokyo, stored as their Monday: a view at
Sunday 23:59 JST belongs to the week that is ending, one at Monday 00:00 JST to the next.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from madoguchi.tenancy.calendars import TOKYO

# 95 % two-sided normal quantile: the usual choice for a "helpful" lower bound.
Z_95 = 1.959963984540054


def week_start_of(at: datetime) -> date:
    """The Monday (Asia/Tokyo) of the ISO week containing the aware instant ``at``."""
    if at.tzinfo is None:
        raise ValueError("week_start_of needs an aware datetime")
    local = at.astimezone(TOKYO).date()
    return local - timedelta(days=local.isoweekday() - 1)


def wilson_lower_bound(helpful: int, total: int, *, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval for the share of "helpful" votes.

    It ranks by how sure we are that an FAQ helps, not by the raw rate: 1 of 1 gives
    0.207 and 45 of 50 gives 0.786, so one lucky vote does not beat a proven answer.
    0.0 without votes.
    """
    if total <= 0:
        return 0.0
    if not 0 <= helpful <= total:
        raise ValueError("helpful must be between 0 and total")
    p = helpful / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))
