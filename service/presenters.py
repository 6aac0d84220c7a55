"""ORM rows to API schemas. Personal fields leave only masked."""

from __future__ import annotations

from datetime import UTC, date, datetime

from matching import refdata
from matching.enums import FlagStatus, JobStatus
from service.models import JobPosting, PolicyFlag, Referral, Seeker
from service.schemas import FlagOut, JobOut, ReferralOut, SeekerOut


def region_name(code: str) -> str:
    county = refdata.counties().get(code)
    return county.full_name if county else code


def occupation_name(code: str | None) -> str | None:
    occ = refdata.occupations().get(code) if code else None
    return occ.clean_name if occ else None


def flag_active(flag: PolicyFlag, now: datetime) -> bool:
    return flag.status == FlagStatus.verified and (flag.expires_at is None or flag.expires_at > now)


def job_out(job: JobPosting, *, today: date) -> JobOut:
    status = job.status
    if status == JobStatus.open and job.valid_until is not None and job.valid_until < today:
        status = JobStatus.expired.value
    data = {c: getattr(job, c) for c in JobOut.model_fields if hasattr(job, c)}
    data.update(
        status=status,
        employer_name=job.employer.name,
        occupation_name=occupation_name(job.occupation_code),
        region_name=region_name(job.region_code),
    )
    return JobOut.model_validate(data)


def flag_out(flag: PolicyFlag, *, now: datetime) -> FlagOut:
    data = {c: getattr(flag, c) for c in FlagOut.model_fields if hasattr(flag, c)}
    return FlagOut.model_validate({**data, "active": flag_active(flag, now)})


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def seeker_out(seeker: Seeker, *, now: datetime | None = None) -> SeekerOut:
    now = now or datetime.now(UTC)
    skip = {"id_number", "phone", "flags", "age", "region_name"}
    data = {c: getattr(seeker, c) for c in SeekerOut.model_fields if c not in skip}
    data.update(
        id_number=seeker.id_number_masked,
        phone=seeker.phone_masked,
        age=age_on(seeker.birth_date, now.date()),
        region_name=region_name(seeker.region_code),
        flags=[flag_out(f, now=now) for f in seeker.flags],
    )
    return SeekerOut.model_validate(data)


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut.model_validate(referral)
