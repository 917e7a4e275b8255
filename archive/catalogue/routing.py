"""Which street serves a retiree, and whether the file belongs to another district.

The work plan (西人社发〔2020〕14号 §五): for 央属 enterprises the district takes
the file when the 户籍地 **or** the 常住地 is in the district; for 市属 and 区属
only the 户籍地 counts, and files of people registered elsewhere are passed on to
that district.  The serving street follows the place that made us responsible.
"""

from __future__ import annotations

from archive.geo import HOME_DISTRICT, is_home_district, normalise_district

__all__ = ["responsible_street", "transfer_target"]


def responsible_street(
    level: str | None, hukou_district: str, hukou_street: str, residence_district: str, residence_street: str
) -> str | None:
    """The street of the home district that serves this retiree, or ``None`` if none does."""
    if is_home_district(hukou_district) and hukou_street:
        return hukou_street
    if level == "central" and is_home_district(residence_district) and residence_street:
        return residence_street
    return None


def transfer_target(level: str | None, hukou_district: str, residence_district: str) -> str | None:
    """The district that should hold the file instead of ours, or ``None`` when it is ours.

    ``None`` is also returned when the places are unknown: nobody is sent away on
    missing data; the file page shows the routing as unknown instead.
    """
    hukou = normalise_district(hukou_district)
    if not hukou:
        return None
    if hukou == HOME_DISTRICT:
        return None
    if level == "central" and is_home_district(residence_district):
        return None
    return hukou
