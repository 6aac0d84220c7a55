"""Database rows to the plain facts that ``matching`` works on, and the texts that get embedded."""

from __future__ import annotations

from matching import refdata
from matching.enums import Education, FlagKind, FlagStatus, JobStatus, WorkType
from matching.facts import FlagFact, JobFacts, SeekerFacts
from matching.text import posting_text, seeker_text
from service.models import JobPosting, Seeker


def occupation_label(code: str | None) -> str | None:
    occ = refdata.occupations().get(code) if code else None
    return occ.clean_name if occ else None


def job_text(job: JobPosting) -> str:
    return posting_text(job.title, occupation_label(job.occupation_code), job.skills, job.requirements,
                        job.description)


def seeker_profile_text(seeker: Seeker) -> str:
    desired = list(seeker.desired_occupations) or [
        name for name in (occupation_label(c) for c in seeker.desired_occupation_codes) if name
    ]
    return seeker_text(desired, seeker.skills, seeker.experience, seeker.major, seeker.self_intro)


def job_facts(job: JobPosting) -> JobFacts:
    return JobFacts(
        id=job.id,
        employer_id=job.employer_id,
        title=job.title,
        occupation_code=job.occupation_code,
        region_code=job.region_code,
        lat=job.lat,
        lon=job.lon,
        salary_min=job.salary_min,
        salary_max=job.salary_max,
        education_min=Education(job.education_min) if job.education_min else None,
        age_min=job.age_min,
        age_max=job.age_max,
        work_type=WorkType(job.work_type),
        headcount=job.headcount,
        hired_count=job.hired_count,
        status=JobStatus(job.status),
        experience_years=job.experience_years,
        valid_until=job.valid_until,
        skills=tuple(job.skills or ()),
        room_board=job.room_board,
    )


def seeker_facts(seeker: Seeker) -> SeekerFacts:
    centroid = refdata.county_centroid(seeker.region_code)
    return SeekerFacts(
        id=seeker.id,
        birth_date=seeker.birth_date,
        education=Education(seeker.education) if seeker.education else None,
        graduation_date=seeker.graduation_date,
        region_code=seeker.region_code,
        lat=centroid[0] if centroid else None,
        lon=centroid[1] if centroid else None,
        desired_regions=tuple(seeker.desired_regions or ()),
        desired_salary_min=seeker.desired_salary_min,
        desired_work_types=tuple(WorkType(w) for w in seeker.desired_work_types or ()),
        desired_occupation_codes=tuple(seeker.desired_occupation_codes or ()),
        skills=tuple(seeker.skills or ()),
        willing_to_relocate=seeker.willing_to_relocate,
        flags=tuple(FlagFact(kind=FlagKind(f.kind), status=FlagStatus(f.status), expires_at=f.expires_at)
                    for f in seeker.flags),
        unemployed_since=seeker.unemployment_registered_at,
        experience_years=seeker.experience_years,
    )
