"""The §六 planning figures of the work plan (西人社发〔2020〕14号), as pure arithmetic.

No Flask, no database: the inputs are counts (from :mod:`archive.reports.counts`, or figures somebody typed in
for a what-if) and the result is plain data the CLI prints as JSON and the page, the xlsx and the PDF show.

The rules (work plan §六, docs/domain.md#capacity):

* storerooms: 60 m² of usable area per 10,000 volumes (卷), for the district store and for each street's store;
* streets: one full-time service worker per 2,000 retirees, ⌈retirees ÷ 2,000⌉;
* the district store must hold the 120,000 retirees' files, the yearly growth and the files already held:
  ≈316,700 volumes, so ≥ 1,900 m².

Areas are rounded *up* to 0.1 m² in integer arithmetic (a floor area that is short by a rounding error is
short), so 316,700 volumes give exactly 1,900.2 m².
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["AREA_M2_PER_10000_VOLUMES", "RETIREES_PER_STAFF", "WORK_PLAN", "DistrictFigures", "PlanningInputs",
           "PlanningReport", "ProjectionYear", "StreetFigures", "StreetInput", "area_m2", "compute", "split_growth",
           "staff_needed"]

#: §六(二): 每万卷 60 m² 使用面积.
AREA_M2_PER_10000_VOLUMES = 60
#: §六(一): 按照 2000 名退休人员配备 1 名专职服务人员.
RETIREES_PER_STAFF = 2000

#: The work plan's own figures, which the report must reproduce (docs/domain.md#the-work-plan).
WORK_PLAN: dict[str, Any] = {
    "retirees": {"central": 40_000, "municipal": 60_000, "district": 20_000},
    "district_volumes": 316_700,
    "district_min_area_m2": 1_900,
    "issued": "2020-05-26",
}


def area_m2(volumes: int, per_10000: int = AREA_M2_PER_10000_VOLUMES) -> float:
    """Usable area for ``volumes``: ``volumes × per_10000 / 10,000`` m², rounded up to 0.1 m²."""
    if volumes < 0:
        raise ValueError("volumes must not be negative")
    tenths = -(-volumes * per_10000 // 1000)  # ceil(volumes × per_10000 × 10 / 10,000), in integers
    return tenths / 10


def staff_needed(retirees: int, per_staff: int = RETIREES_PER_STAFF) -> int:
    """Full-time service workers of a street: ⌈retirees ÷ per_staff⌉ (none for no retirees)."""
    if retirees < 0:
        raise ValueError("retirees must not be negative")
    return -(-retirees // per_staff)


@dataclass(frozen=True)
class StreetInput:
    """One street: the retirees it serves and the volumes its own storeroom holds (files kept by the street)."""

    street: str
    retirees: int
    volumes: int


@dataclass(frozen=True)
class PlanningInputs:
    """Everything the figures depend on; every value ends up in the report's ``assumptions``.

    ``district_volumes`` are the volumes the district store holds or will hold (files held in district custody
    plus the files expected from open batches), *not* counting the streets' own stores; with
    ``district_includes_street_files`` the district store is also sized for the files the streets keep for now
    (§二(四): they move to the district "when conditions allow"), as the work plan's 316,700 volumes are.
    New retirees' files are held by the district (§二(四)), so growth adds volumes to the district store and
    retirees (staff) to the streets, split in proportion to the retirees each street serves.

    ``given_volumes`` is a what-if: the district store's volumes before growth, all told (as the work plan's
    316,700 are), replacing the counts above.
    """

    district_volumes: int
    streets: Sequence[StreetInput] = ()
    growth_per_year: int = 0
    years: int = 0
    volumes_per_retiree: float = 1.0
    district_includes_street_files: bool = True
    per_10000_volumes: int = AREA_M2_PER_10000_VOLUMES
    retirees_per_staff: int = RETIREES_PER_STAFF
    given_volumes: int | None = None
    start_year: int = field(default_factory=lambda: dt.date.today().year)
    notes: dict[str, Any] = field(default_factory=dict)  # where the counts came from (the DB module fills it)

    def __post_init__(self) -> None:
        for name in ("district_volumes", "growth_per_year", "years", "given_volumes"):
            if (getattr(self, name) or 0) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.volumes_per_retiree < 0:
            raise ValueError("volumes_per_retiree must not be negative")
        if self.per_10000_volumes <= 0 or self.retirees_per_staff <= 0:
            raise ValueError("the §六 ratios must be positive")
        if self.years > 100:
            raise ValueError("years must be at most 100")

    @property
    def source(self) -> str:
        """``database`` (counts), or ``given`` (a what-if with the district store's volumes typed in)."""
        return "database" if self.given_volumes is None else "given"

    def what_if(self, **changes: Any) -> PlanningInputs:
        """The same inputs with some figures replaced (``given_volumes=316_700`` for the plan's own)."""
        return replace(self, **changes)


@dataclass(frozen=True)
class StreetFigures:
    street: str
    retirees: int
    staff: int
    volumes: int
    area_m2: float

    def as_dict(self) -> dict[str, Any]:
        return {"street": self.street, "retirees": self.retirees, "staff": self.staff, "volumes": self.volumes,
                "area_m2": self.area_m2}


@dataclass(frozen=True)
class DistrictFigures:
    volumes: int
    area_m2: float

    def as_dict(self) -> dict[str, Any]:
        return {"volumes": self.volumes, "area_m2": self.area_m2}


@dataclass(frozen=True)
class ProjectionYear:
    """The district store and the streets' staff at the end of one year of growth (year 0: today)."""

    year: int
    new_retirees: int
    retirees: int
    district_volumes: int
    district_area_m2: float
    staff: int


@dataclass(frozen=True)
class PlanningReport:
    district: DistrictFigures
    streets: list[StreetFigures]
    assumptions: dict[str, Any]
    projection: list[ProjectionYear]

    @property
    def total_staff(self) -> int:
        return sum(s.staff for s in self.streets)

    @property
    def total_retirees(self) -> int:
        return sum(s.retirees for s in self.streets)

    def as_dict(self) -> dict[str, Any]:
        """Exactly the shape ``dangan report planning --json`` prints."""
        return {"district": self.district.as_dict(), "streets": [s.as_dict() for s in self.streets],
                "assumptions": self.assumptions}


def split_growth(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` new retirees over streets in proportion to ``weights`` (largest remainder: sums exactly).

    With no weights at all (an empty database) the split is even.
    """
    if not weights:
        return []
    basis = list(weights) if sum(weights) > 0 else [1] * len(weights)
    whole = sum(basis)
    shares = [total * w // whole for w in basis]
    remainders = sorted(range(len(basis)), key=lambda i: (-(total * basis[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _volumes(retirees: int, per_retiree: float) -> int:
    # Volumes are whole: a fraction of a volume still takes a place on the shelf.  Rounded to 6 places first,
    # so that 1,000 × 1.2 (1200.0000000000002 in floating point) is 1,200 and not 1,201.
    return math.ceil(round(retirees * per_retiree, 6))


def compute(inputs: PlanningInputs) -> PlanningReport:
    """The §六 figures for ``inputs``: the district store, each street's staff and store, the projection."""
    per = inputs.per_10000_volumes
    new_retirees = inputs.growth_per_year * inputs.years
    growth_volumes = _volumes(new_retirees, inputs.volumes_per_retiree)
    street_volumes = sum(s.volumes for s in inputs.streets)
    if inputs.given_volumes is not None:
        base = inputs.given_volumes
    else:
        base = inputs.district_volumes + (street_volumes if inputs.district_includes_street_files else 0)
    district = DistrictFigures(volumes=base + growth_volumes, area_m2=area_m2(base + growth_volumes, per))

    shares = split_growth(new_retirees, [s.retirees for s in inputs.streets])
    streets = [StreetFigures(street=s.street, retirees=s.retirees + extra,
                             staff=staff_needed(s.retirees + extra, inputs.retirees_per_staff),
                             volumes=s.volumes, area_m2=area_m2(s.volumes, per))
               for s, extra in zip(inputs.streets, shares, strict=True)]

    projection = []
    base_retirees = sum(s.retirees for s in inputs.streets)
    for year in range(inputs.years + 1):
        added = inputs.growth_per_year * year
        volumes = base + _volumes(added, inputs.volumes_per_retiree)
        year_shares = split_growth(added, [s.retirees for s in inputs.streets])
        staff = sum(staff_needed(s.retirees + extra, inputs.retirees_per_staff)
                    for s, extra in zip(inputs.streets, year_shares, strict=True))
        projection.append(ProjectionYear(year=inputs.start_year + year, new_retirees=added,
                                         retirees=base_retirees + added, district_volumes=volumes,
                                         district_area_m2=area_m2(volumes, per), staff=staff))

    assumptions: dict[str, Any] = {
        "source": inputs.source,
        "m2_per_10000_volumes": per,
        "retirees_per_staff": inputs.retirees_per_staff,
        "growth_per_year": inputs.growth_per_year,
        "years": inputs.years,
        "volumes_per_retiree": inputs.volumes_per_retiree,
        "new_retirees": new_retirees,
        "growth_volumes": growth_volumes,
        "growth_split": "pro_rata_retirees",
        "given_volumes": inputs.given_volumes,
        "district_base_volumes": inputs.district_volumes,
        "street_store_volumes": street_volumes,
        "district_includes_street_files": inputs.district_includes_street_files,
        "area_rounding": "up_to_0.1_m2",
        "work_plan": {"district_volumes": WORK_PLAN["district_volumes"],
                      "district_min_area_m2": WORK_PLAN["district_min_area_m2"],
                      "meets_minimum": district.area_m2 >= WORK_PLAN["district_min_area_m2"]},
        **inputs.notes,
    }
    return PlanningReport(district=district, streets=streets, assumptions=assumptions, projection=projection)
