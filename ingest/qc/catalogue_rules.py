"""Rules on the catalogue: gaps in the numbering, expected materials missing (docs/domain.md)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.model import Finding, MaterialRef
from ingest.qc.codes import _NUMERALS, WARNING
from ingest.qc.settings import QcSettings
from ingest.qc.texts import finding

# --------------------------------------------------------------------------- catalogue rules


def sequence_gap(materials: Sequence[MaterialRef]) -> list[Finding]:
    """Gaps and repeats in 序号 within a class / sub-class (DA/T 70: serial numbers continuous, no duplicates): warning.

    序号 restarts at 1 in every class and sub-class, so 1, 2, 4 gives "缺少第3号"
    and 2, 3 gives "缺少第1号".  One finding per group for the gaps, one per
    repeated number.
    """
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for m in materials:
        groups[(m.class_no, m.subclass or 0)].append(m.seq)
    findings: list[Finding] = []
    for (class_no, subclass), seqs in sorted(groups.items()):
        numeral = _NUMERALS.get(class_no, str(class_no))
        cls = f"{numeral}-{subclass}" if subclass else numeral
        present = set(seqs)
        missing = [n for n in range(1, max(seqs) + 1) if n not in present]
        if missing:
            findings.append(
                finding(
                    "SEQUENCE_GAP", WARNING, "seq_missing", {"cls": [class_no, subclass], "missing": missing},
                    details={"class": cls, "missing": missing},
                )
            )
        for seq, n in sorted(Counter(seqs).items()):
            if n > 1:
                findings.append(
                    finding(
                        "SEQUENCE_GAP", WARNING, "seq_repeat", {"cls": [class_no, subclass], "seq": seq, "count": n},
                        material=(class_no, subclass, seq),
                        details={"class": cls, "duplicate": seq, "count": n},
                    )
                )
    return findings


_Where = tuple[tuple[int, int | None], ...] | None
"""Classes a match is limited to: ``(class_no, subclass)``, subclass None = any; None = anywhere."""


@dataclass(frozen=True)
class RequiredItem:
    """One item of the retiree checklist and how a catalogue row is recognised as it.

    ``matches`` is a tuple of (keywords, where): a row matches when its title holds
    one of the keywords and its class is in ``where`` (None: anywhere).  Empty
    keywords mean any row of those classes.  Keywords that are only meaningful in
    one class (登记表 is also 毕业生登记表 and 党员登记表) are scoped to it; specific
    ones (招工, 退休) match anywhere, because old files keep their old placement
    (e.g. 招工表 in class 1).
    """

    key: str
    name_zh: str
    name_en: str
    expected_in: str
    matches: tuple[tuple[tuple[str, ...], _Where], ...]
    party_only: bool = False
    note: str = ""

    def matched_by(self, material: MaterialRef) -> bool:
        """True when ``material`` counts as this item."""
        title = material.title.replace(" ", "").replace("\u3000", "")
        for keywords, where in self.matches:
            if where is not None and not any(
                material.class_no == c and (s is None or (material.subclass or 0) == s) for c, s in where
            ):
                continue
            if not keywords or any(k in title for k in keywords):
                return True
        return False


_RECRUITMENT_WORDS: tuple[str, ...] = (
    "招工",
    "招收",
    "招用",
    "录用",
    "招聘",
    "聘用",
    "毕业分配",
    "分配工作",
    "派遣",
    "报到",
    "转业",
    "复员",
    "退伍",
)

# The retiree checklist of docs/domain.md#retiree-checklist ("flag if absent, never reject").  Left out on
# purpose: 调动 materials (only someone who changed employer has them), 职称/技术等级
# ("where held"), changes of birth or work-start date and reward/punishment decisions
# (only when they happened), the written statement of missing materials — none of them
# can be expected from the catalogue alone, and a warning on every file would teach
# people to ignore warnings.
REQUIRED_ITEMS: tuple[RequiredItem, ...] = (
    RequiredItem(
        "resume",
        "履历表或职工登记表",
        "curriculum vitae or staff registration form",
        "第一类",
        (
            (("履历", "登记表"), ((1, None),)),
            (("履历表", "职工登记表", "干部登记表", "工人登记表", "职工履历"), None),
        ),
    ),
    RequiredItem(
        "recruitment",
        "招工审批表或录用材料",
        "recruitment approval or hiring materials",
        "九-2类",
        # Graduates assigned to the enterprise and demobilised soldiers had no 招工表;
        # their 分配/派遣 or 转业/复员 papers are how they entered employment.
        ((_RECRUITMENT_WORDS, None),),
    ),
    RequiredItem(
        "confirmation",
        "转正定级表",
        "probation completion and grading form",
        "九-1类",
        ((("转正定级", "定级"), None), (("转正",), ((9, None),))),
    ),
    RequiredItem(
        "wage",
        "工资变动审批表或工资登记表",
        "wage change approval or wage register",
        "九-1类",
        (
            (("工资", "调资", "套改", "增资", "薪级"), None),
            (("升级", "晋级", "调整", "变动", "薪"), ((9, 1),)),
        ),
    ),
    RequiredItem(
        "retirement",
        "退休审批表",
        "retirement approval",
        "九-2类",
        ((("退休", "退职", "离休"), None),),
    ),
    RequiredItem(
        "labour_contract",
        "劳动合同",
        "labour contract",
        "第九类",
        ((("劳动合同", "劳动合同书", "聘用合同"), None),),
        note="1995年后仍在职的职工应有；早于全员劳动合同制退休的可忽略",
    ),
    RequiredItem(
        "education",
        "学历材料",
        "education records",
        "四-1类",
        (((), ((4, 1),)), (("毕业", "学历", "学位", "学籍", "文凭", "肄业"), None)),
    ),
    RequiredItem(
        "party",
        "入党志愿书或党员登记表",
        "party application or party member registration form",
        "第六类",
        ((("入党志愿", "党员登记", "党员重新登记"), None),),
        party_only=True,
    ),
)


def required_material_missing(
    materials: Sequence[MaterialRef], *, party_member: bool | None, settings: QcSettings
) -> list[Finding]:
    """Checklist items (docs/domain.md#retiree-checklist) that no catalogue row matches: warning, never a rejection.

    Rows are recognised by class and by keywords in the title (see
    :class:`RequiredItem`).  Party materials are expected only when
    ``party_member`` is True; None (unknown) skips them.  ``settings.check_required``
    turns the rule off; ``settings.check_labour_contract`` drops the 劳动合同 item.
    The 劳动合同 item is kept, as a warning whose message says when it applies,
    because the catalogue carries no dates of employment: nearly every 2020
    retiree worked after the 1995 move to contracts for all staff, but files of
    people who retired earlier rightly have none.
    """
    if not settings.check_required:
        return []
    findings: list[Finding] = []
    for item in REQUIRED_ITEMS:
        if item.party_only and party_member is not True:
            continue
        if item.key == "labour_contract" and not settings.check_labour_contract:
            continue
        if any(item.matched_by(m) for m in materials):
            continue
        findings.append(finding("REQUIRED_MATERIAL_MISSING", WARNING, "required", {"item": item.key},
                                details={"item": item.key, "name_en": item.name_en}))
    return findings
