"""介绍信: the printable referral letter an officer hands a seeker for an employer, with the posting and a QR code.

The QR code carries no personal data: the letter's number, the posting (title, employer, place) and a check code
(an HMAC of the referral under the service's secret), so the employer's HR can scan the posting into their records
and the office can confirm, when the employer reports back, that the letter is one it issued.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

import qrcode
import qrcode.image.svg

from matching.enums import EDUCATION_LABELS, GENDER_LABELS, WORK_TYPE_LABELS, Education, WorkType
from matching.text import display_title
from service.models import JobPosting, Referral, Seeker
from service.presenters import age_on, region_name
from service.usecases import referrals
from service.usecases.common import Context

VALID_DAYS = 30  # how long the letter asks the employer to receive the seeker


@dataclass(frozen=True)
class Letter:
    number: str
    check_code: str
    referral: Referral
    seeker: Seeker
    job: JobPosting
    issued_on: date
    valid_until: date
    office: str
    seeker_line: str  # 姓名（性别，年龄，学历）
    job_line: str  # 岗位（用工形式，月薪）
    place: str
    qr_text: str
    qr_svg: str


def check_code(secret: bytes, referral: Referral) -> str:
    mac = hmac.new(secret, f"referral-letter:{referral.id}:{referral.seeker_id}:{referral.job_id}".encode(),
                   hashlib.sha256)
    return mac.hexdigest()[:8].upper()


def qr_svg(text: str) -> str:
    """An SVG QR code (a path, no inline style), sized for print."""
    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                      error_correction=qrcode.constants.ERROR_CORRECT_M)
    return img.to_string(encoding="unicode")


def _salary(job: JobPosting) -> str:
    if job.salary_min and job.salary_max:
        return f"月薪{job.salary_min}–{job.salary_max}元"
    if job.salary_min or job.salary_max:
        return f"月薪{job.salary_min or job.salary_max}元"
    return "薪资面议"


def referral_letter(ctx: Context, *, referral_id: int, secret: bytes) -> Letter:
    """The letter for one referral (read through the referrals use-case: scoped and audited)."""
    referral = referrals.get(ctx, referral_id=referral_id)
    seeker, job = ctx.session.get(Seeker, referral.seeker_id), ctx.session.get(JobPosting, referral.job_id)
    issued = referral.created_at.date() if referral.created_at else ctx.today()
    about = [GENDER_LABELS.get(seeker.gender or "", "")]
    if (age := age_on(seeker.birth_date, ctx.today())) is not None:
        about.append(f"{age}岁")
    if seeker.education:
        about.append(EDUCATION_LABELS[Education(seeker.education)])
    number = f"R{referral.id:06d}"
    code = check_code(secret, referral)
    title = display_title(job.title)
    place = "".join(p for p in (region_name(job.region_code), job.address) if p)
    qr_text = "\n".join([f"人岗就业推荐介绍信 {number}", f"岗位：{title}（岗位编号 {job.id}）",
                         f"单位：{job.employer.name}", f"地点：{place}", f"校验码：{code}"])
    office = region_name(ctx.principal.region_prefix) if ctx.principal.region_prefix else region_name(
        seeker.region_code[:4])
    return Letter(
        number=number, check_code=code, referral=referral, seeker=seeker, job=job, issued_on=issued,
        valid_until=issued + timedelta(days=VALID_DAYS), office=f"{office}公共就业服务机构",
        seeker_line="，".join(a for a in about if a),
        job_line=f"{WORK_TYPE_LABELS[WorkType(job.work_type)]}，{_salary(job)}" + ("，包吃住" if job.room_board else ""),
        place=place, qr_text=qr_text, qr_svg=qr_svg(qr_text),
    )
