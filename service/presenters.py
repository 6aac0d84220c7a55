"""ORM rows to API schemas. Personal fields leave only masked."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import inspect

from matching import geo, postings, refdata
from matching.facts import age_on, flag_is_active
from matching.ranking import COMPONENT_LABELS, MatchResult
from service.models import JobPosting, PolicyFlag, Referral, Seeker
from service.schemas import FlagOut, JobOut, MatchComponent, MatchItem, MatchList, ReferralOut, SeekerOut


def region_name(code: str) -> str:
    """A county's full name, or a city's or province's for a 4- or 2-digit prefix (the code if unknown)."""
    return geo.region_name(code)


def occupation_name(code: str | None) -> str | None:
    occ = refdata.occupations().get(code) if code else None
    return occ.clean_name if occ else None


@cache
def _mapped_fields(schema: type[BaseModel], model: type, skip: Collection[str] = ()) -> tuple[str, ...]:
    """The schema's fields that are attributes of the ORM class, worked out once per pair."""
    mapped = inspect(model).attrs.keys()
    return tuple(name for name in schema.model_fields if name in mapped and name not in skip)


def _values(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Attribute values of an ORM row: loaded ones straight from its state, others (expired) through the ORM."""
    loaded = row.__dict__
    return {name: loaded[name] if name in loaded else getattr(row, name) for name in names}


def flag_active(flag: PolicyFlag, now: datetime) -> bool:
    return flag_is_active(flag, now)


def job_out(job: JobPosting, *, today: date, pending: bool = False) -> JobOut:
    status = postings.effective_status(job.status, job.valid_until, today)
    data = _values(job, _mapped_fields(JobOut, JobPosting))
    data.update(
        status=status,
        employer_name=job.employer.name,
        occupation_name=occupation_name(job.occupation_code),
        region_name=region_name(job.region_code),
        matching="pending" if pending else "ready",
    )
    return JobOut.model_validate(data)


def flag_out(flag: PolicyFlag, *, now: datetime) -> FlagOut:
    data = _values(flag, _mapped_fields(FlagOut, PolicyFlag))
    return FlagOut.model_validate({**data, "active": flag_active(flag, now)})


_SEEKER_DERIVED = frozenset({"id_number", "phone", "flags", "age", "region_name"})  # filled in below


def seeker_out(seeker: Seeker, *, now: datetime | None = None, pending: bool = False) -> SeekerOut:
    now = now or datetime.now(UTC)
    data = _values(seeker, _mapped_fields(SeekerOut, Seeker, _SEEKER_DERIVED))
    data.update(
        id_number=seeker.id_number_masked,
        phone=seeker.phone_masked,
        age=age_on(seeker.birth_date, now.date()),
        region_name=region_name(seeker.region_code),
        flags=[flag_out(f, now=now) for f in seeker.flags],
        matching="pending" if pending else "ready",
    )
    return SeekerOut.model_validate(data)


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut.model_validate(referral)


def match_list(ranked) -> MatchList:
    """A matching query's answer (:class:`service.engine.Ranked`) as the API shows it: each result with its
    record (postings as :func:`job_out`, seekers masked as :func:`seeker_out`)."""
    today = ranked.now.astimezone(UTC).date()
    if ranked.kind == "job":
        items = [match_item(r, job=job_out(ranked.records[r.id], today=today)) for r in ranked.results]
    else:
        items = [match_item(r, seeker=seeker_out(ranked.records[r.id], now=ranked.now)) for r in ranked.results]
    return MatchList(items=items, eligible=ranked.eligible, model_id=ranked.model_id, took_ms=ranked.took_ms)


def match_item(result: MatchResult, **record) -> MatchItem:
    """A ranking result: components with weights and Chinese labels, the explanation."""
    explanation = result.explanation.to_dict() if result.explanation else {}
    weights = {key: c["weight"] for key, c in explanation.get("components", {}).items()}
    components = {key: MatchComponent(value=round(v, 4), weight=round(weights.get(key, 0.0), 4),
                                      label=COMPONENT_LABELS[key]) for key, v in result.components.items()}
    explanation.pop("components", None)
    return MatchItem(id=result.id, score=round(result.score, 4), fit=round(result.fit, 4),
                     boost=round(result.boost, 4), components=components, explanation=explanation, **record)
