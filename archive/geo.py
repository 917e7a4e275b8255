"""Places the archive knows: Beijing's districts and Xicheng's streets (docs/domain.md#places).

Kept as data so a deployment for another district changes one module.
"""

from __future__ import annotations

__all__ = ["HOME_DISTRICT", "BEIJING_DISTRICTS", "STREETS", "is_home_district"]

HOME_DISTRICT = "西城"

STREETS: tuple[str, ...] = (
    "西长安街", "新街口", "月坛", "展览路", "德胜", "金融街", "什刹海", "大栅栏",
    "天桥", "椿树", "陶然亭", "广安门内", "牛街", "白纸坊", "广安门外",
)

BEIJING_DISTRICTS: tuple[str, ...] = (
    "东城", "西城", "朝阳", "丰台", "石景山", "海淀", "门头沟", "房山",
    "通州", "顺义", "昌平", "大兴", "怀柔", "平谷", "密云", "延庆",
)


def normalise_district(name: str | None) -> str:
    """Strip the 区 suffix and 北京市 prefix people write: ``北京市西城区`` → ``西城``."""
    text = (name or "").strip().removeprefix("北京市").removeprefix("北京")
    return text.removesuffix("区") if len(text) > 2 else text


def is_home_district(name: str | None) -> bool:
    """True when ``name`` (any common spelling) is this archive's district."""
    return normalise_district(name) == HOME_DISTRICT
