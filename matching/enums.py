"""Stable English codes for the domain's enumerations, with their Chinese labels.

JSON carries the code; pages and messages show the label.
"""

from __future__ import annotations

from enum import StrEnum


class Education(StrEnum):
    junior_middle = "junior_middle"  # 初中及以下
    senior_high = "senior_high"  # 高中中专
    associate = "associate"  # 大专
    bachelor = "bachelor"  # 本科
    master = "master"  # 硕士
    doctorate = "doctorate"  # 博士

    @property
    def rank(self) -> int:
        return _EDUCATION_RANK[self]


_EDUCATION_RANK = {e: i for i, e in enumerate(Education)}  # lowest first (a dict: asked once per pair explained)


EDUCATION_LABELS = {
    Education.junior_middle: "初中及以下",
    Education.senior_high: "高中中专",
    Education.associate: "大专",
    Education.bachelor: "本科",
    Education.master: "硕士",
    Education.doctorate: "博士",
}


class WorkType(StrEnum):
    full_time = "full_time"  # 全职
    part_time = "part_time"  # 兼职
    flexible = "flexible"  # 灵活就业
    seasonal = "seasonal"  # 季节性
    internship = "internship"  # 见习岗位 (reserved: graduates / unemployed youth)
    public_welfare = "public_welfare"  # 公益性岗位 (reserved: hard-to-employ)


WORK_TYPE_LABELS = {
    WorkType.full_time: "全职",
    WorkType.part_time: "兼职",
    WorkType.flexible: "灵活就业",
    WorkType.seasonal: "季节性",
    WorkType.internship: "见习岗位",
    WorkType.public_welfare: "公益性岗位",
}


class JobStatus(StrEnum):
    open = "open"
    filled = "filled"
    closed = "closed"
    expired = "expired"


JOB_STATUS_LABELS = {JobStatus.open: "在招", JobStatus.filled: "已招满", JobStatus.closed: "已关闭",
                     JobStatus.expired: "已过期"}


class SizeClass(StrEnum):
    large = "large"  # 大型
    medium = "medium"  # 中型
    small = "small"  # 小型
    micro = "micro"  # 微型


SIZE_CLASS_LABELS = {SizeClass.large: "大型", SizeClass.medium: "中型", SizeClass.small: "小型", SizeClass.micro: "微型"}


class Ownership(StrEnum):
    private = "private"  # 民营
    state = "state"  # 国有
    foreign = "foreign"  # 外资
    public_institution = "public_institution"  # 机关事业单位
    other = "other"


OWNERSHIP_LABELS = {Ownership.private: "民营", Ownership.state: "国有", Ownership.foreign: "外资",
                    Ownership.public_institution: "机关事业单位", Ownership.other: "其他"}


class Hukou(StrEnum):
    urban = "urban"  # 城镇
    rural = "rural"  # 农村


HUKOU_LABELS = {Hukou.urban: "城镇户籍", Hukou.rural: "农村户籍"}
GENDER_LABELS = {"male": "男", "female": "女"}  # as matching.identifiers.gender_from_id writes them


class FlagKind(StrEnum):
    graduate = "graduate"  # 高校毕业生
    rural_migrant = "rural_migrant"  # 农村转移劳动力/农民工
    hard_to_employ = "hard_to_employ"  # 就业困难人员
    veteran = "veteran"  # 退役军人
    disabled = "disabled"  # 残疾人
    poverty_alleviated = "poverty_alleviated"  # 脱贫劳动力
    zero_employment_household = "zero_employment_household"  # 零就业家庭成员
    long_term_unemployed = "long_term_unemployed"  # 长期失业


FLAG_LABELS = {
    FlagKind.graduate: "高校毕业生",
    FlagKind.rural_migrant: "农村转移劳动力",
    FlagKind.hard_to_employ: "就业困难人员",
    FlagKind.veteran: "退役军人",
    FlagKind.disabled: "残疾人",
    FlagKind.poverty_alleviated: "脱贫劳动力",
    FlagKind.zero_employment_household: "零就业家庭成员",
    FlagKind.long_term_unemployed: "长期失业人员",
}


class FlagStatus(StrEnum):
    self_declared = "self_declared"
    verified = "verified"
    rejected = "rejected"
    expired = "expired"


FLAG_STATUS_LABELS = {FlagStatus.self_declared: "本人申报", FlagStatus.verified: "已核实", FlagStatus.rejected: "未通过",
                      FlagStatus.expired: "已过期"}


class ReferralStatus(StrEnum):
    recommended = "recommended"
    applied = "applied"
    interviewing = "interviewing"
    hired = "hired"
    rejected = "rejected"
    withdrawn = "withdrawn"


REFERRAL_STATUS_LABELS = {
    ReferralStatus.recommended: "已推荐", ReferralStatus.applied: "已投递", ReferralStatus.interviewing: "面试中",
    ReferralStatus.hired: "已录用", ReferralStatus.rejected: "未录用", ReferralStatus.withdrawn: "已撤回",
}


class Channel(StrEnum):
    app = "app"
    kiosk = "kiosk"
    officer = "officer"


class Role(StrEnum):
    app = "app"
    kiosk = "kiosk"
    officer = "officer"
    admin = "admin"
