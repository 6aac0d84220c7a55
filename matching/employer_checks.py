"""Employer verification 用人单位核验: what a 统一社会信用代码 says about its holder, set against what the employer
declared (issue 18 item 3: "采取信息协同比对等方式，核实岗位信息", 002_e235edd94cbc6729.txt 第三篇 九（三）).

A credit code (GB 32100-2015 §4) carries, besides its check character:

* position 1, the registering authority (登记管理部门): 1 机构编制, 5 民政, 9 市场监管 (工商), N 农业农村 …;
* position 2, the kind of organisation (机构类别) under that authority: 11 机关, 12 事业单位, 51 社会团体,
  52 民办非企业单位, 53 基金会, 91 企业, 92 个体工商户, 93 农民专业合作社 …;
* positions 3–8, the registering office's administrative division (登记管理机关行政区划码).

:func:`credit_code_findings` compares those with the employer's declared region, ownership and size and returns
findings (a stable key, a severity and a Chinese explanation) for an officer to look at; none of them refuses
the employer by itself: an enterprise registered in one district often works in the next. Pure: the region
tables only.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching import refdata
from matching.enums import SIZE_CLASS_LABELS, Ownership, SizeClass
from matching.geo import region_name

# (authority, kind) → what the holder is; the GB 32100-2015 table, the parts employers use.
KINDS: dict[str, str] = {
    "11": "机关", "12": "事业单位", "13": "中央编办直接管理的群众团体", "19": "其他机构编制单位",
    "51": "社会团体", "52": "民办非企业单位", "53": "基金会", "59": "其他民政登记单位",
    "91": "企业", "92": "个体工商户", "93": "农民专业合作社",
    "N1": "组级集体经济组织", "N2": "村级集体经济组织", "N3": "乡镇级集体经济组织", "N9": "其他农村集体经济组织",
}
PUBLIC_KINDS = frozenset({"11", "12", "13", "19"})  # 机关事业单位
SOCIAL_KINDS = frozenset({"51", "52", "53", "59"})  # 社会组织


@dataclass(frozen=True, slots=True)
class Finding:
    key: str  # stable English code
    severity: str  # "review": an officer should look; "note": worth knowing
    detail: str  # Chinese

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "severity": self.severity, "detail": self.detail}


def registering_office(credit_code: str) -> str | None:
    """The registering office's division as a region prefix (province 2, city 4 or county 6 digits), or None when
    positions 3–8 name no division in the tables."""
    code = credit_code[2:8]
    if not code.isdigit():
        return None
    if code.endswith("0000"):
        prefix = code[:2]
        return prefix if prefix in refdata.provinces() else None
    if code.endswith("00"):
        prefix = code[:4]
        return prefix if prefix in refdata.cities() else None
    return code if code in refdata.counties() else None


def credit_code_findings(credit_code: str, *, region_code: str, ownership: str | Ownership,
                         size_class: str | SizeClass) -> list[Finding]:
    """What an officer should check about an employer whose (valid) credit code is ``credit_code``."""
    code = credit_code.upper()
    out: list[Finding] = []
    kind = KINDS.get(code[:2])
    if kind is None:
        out.append(Finding("credit_code_kind_unknown", "review",
                           f"统一社会信用代码前两位“{code[:2]}”不是常见的登记管理部门和机构类别，请核实"))
    office = registering_office(code)
    if office is None:
        out.append(Finding("registering_office_unknown", "review",
                           f"统一社会信用代码第3–8位“{code[2:8]}”不是有效的行政区划代码，请核实"))
    elif not region_code.startswith(office):
        where, here = region_name(office), region_name(region_code)
        if len(office) == 6 and office[:4] == region_code[:4]:
            out.append(Finding("registered_elsewhere_in_city", "note", f"登记机关在{where}，经营地在{here}（同市）"))
        elif office[:2] == region_code[:2]:
            out.append(Finding("registered_elsewhere_in_province", "review",
                               f"登记机关在{where}，所填地区为{here}，请核实实际经营地"))
        else:
            out.append(Finding("registered_in_another_province", "review",
                               f"登记机关在{where}，所填地区为{here}（不同省份），请核实是否为分支机构或异地经营"))
    ownership = Ownership(ownership)
    size = SizeClass(size_class)
    prefix = code[:2]
    if prefix in PUBLIC_KINDS and ownership is not Ownership.public_institution:
        out.append(Finding("ownership_mismatch", "review",
                           f"信用代码显示为{kind}，所填性质不是机关事业单位，请核实"))
    if prefix == "91" and ownership is Ownership.public_institution:
        out.append(Finding("ownership_mismatch", "review", "信用代码显示为企业，所填性质却是机关事业单位，请核实"))
    if prefix == "92" and size not in (SizeClass.micro, SizeClass.small):
        out.append(Finding("size_mismatch", "review", f"个体工商户通常为微型或小型，所填规模为{SIZE_CLASS_LABELS[size]}，请核实"))
    return out


__all__ = ["KINDS", "Finding", "credit_code_findings", "registering_office"]
