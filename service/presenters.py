"""ORM rows to API schemas, and matching results to the API's answers. Personal fields leave only masked.

A match answer is dressed from the records' *cards* (:mod:`matching.records`): each record as the API shows
it, built once when the replica takes the record in (:func:`job_card`, :func:`seeker_card`), with what depends
on the moment of the query (a posting's effective status, a person's age, whether a flag is active) set when it
is shown. The answer is a plain dict serialised once (:func:`match_json`); ``MatchList`` documents it, and a
test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import inspect

import orjson

from matching import geo, postings, refdata
from matching.enums import FlagStatus
from matching.facts import age_on, as_instant, flag_is_active
from matching.ranking import COMPONENT_LABELS, MatchResult
from matching.records import Card, encode_card
from matching.text import display_title
from service.models import JobPosting, PolicyFlag, Referral, Seeker
from service.schemas import FlagOut, JobOut, JobCheckedOut, ReferralOut, SeekerOut


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
    return JobOut.model_validate(_job_data(job, status=postings.effective_status(job.status, job.valid_until, today),
                                           pending=pending))


def job_checked_out(job: JobPosting, *, today: date, pending: bool = False, findings=()) -> JobCheckedOut:
    """One posting with its 岗位审核 findings (``matching.compliance.Finding``)."""
    data = _job_data(job, status=postings.effective_status(job.status, job.valid_until, today), pending=pending)
    return JobCheckedOut.model_validate({**data, "compliance": [f.to_dict() for f in findings]})


def _job_data(job: JobPosting, *, status: str, pending: bool) -> dict[str, Any]:
    data = _values(job, _mapped_fields(JobOut, JobPosting))
    data.update(
        status=status,
        employer_name=job.employer.name,
        display_title=display_title(job.title),
        occupation_name=occupation_name(job.occupation_code),
        region_name=region_name(job.region_code),
        matching="pending" if pending else "ready",
    )
    return data


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


# --- cards and match answers ----------------------------------------------------------------------------


def job_card(job: JobPosting, facts) -> bytes:
    """A posting as a match result shows it (``status`` as stored: the effective one is worked out when shown),
    its facts, and its employer's policy facts."""
    shown = JobOut.model_validate(_job_data(job, status=job.status, pending=False)).model_dump(mode="json")
    employer = {"size_class": job.employer.size_class, "ownership": job.employer.ownership,
                "region_code": job.employer.region_code}
    return encode_card(shown, facts, {"employer": employer})


def seeker_card(seeker: Seeker, facts) -> bytes:
    """A consenting seeker as a candidate list shows them: masked, ``age`` and flags' ``active`` worked out when
    shown."""
    return encode_card(seeker_out(seeker).model_dump(mode="json"), facts)


def shown_job(card: Card, today: date) -> dict[str, Any]:
    shown = dict(card.shown)
    if "display_title" not in shown:  # a card saved in a snapshot before display titles
        shown["display_title"] = display_title(shown["title"])
    valid_until = date.fromisoformat(shown["valid_until"]) if shown["valid_until"] else None
    shown["status"] = postings.effective_status(shown["status"], valid_until, today)
    return shown


def shown_seeker(card: Card, now: datetime) -> dict[str, Any]:
    shown = dict(card.shown)
    birth = date.fromisoformat(shown["birth_date"]) if shown["birth_date"] else None
    shown["age"] = age_on(birth, now.astimezone(UTC).date())
    at = as_instant(now)
    shown["flags"] = [{**f, "active": f["status"] == FlagStatus.verified.value and (
        f["expires_at"] is None or as_instant(datetime.fromisoformat(f["expires_at"])) > at)} for f in shown["flags"]]
    return shown


def match_list(ranked) -> dict[str, Any]:
    """A matching query's answer (:class:`service.engine.Ranked`) as the API shows it (``MatchList``'s shape, as
    plain data): each result with its record from its card."""
    today = ranked.now.astimezone(UTC).date()
    if ranked.kind == "job":
        items = [match_item(r, job=shown_job(ranked.cards[r.id], today), seeker=None) for r in ranked.results]
    else:
        items = [match_item(r, job=None, seeker=shown_seeker(ranked.cards[r.id], ranked.now))
                 for r in ranked.results]
    understood = getattr(ranked, "understood", None)
    return {"items": items, "eligible": int(ranked.eligible), "model_id": ranked.model_id,
            "took_ms": float(ranked.took_ms), "understood": understood,
            "notice": getattr(ranked, "notice", None)}


def match_item(result: MatchResult, **record) -> dict[str, Any]:
    """A ranking result: components with weights and Chinese labels, the explanation (``MatchItem``'s shape)."""
    explanation = result.explanation.to_dict() if result.explanation else {}
    weights = {key: c["weight"] for key, c in explanation.get("components", {}).items()}
    components = {key: {"value": round(float(v), 4), "weight": round(float(weights.get(key, 0.0)), 4),
                        "label": COMPONENT_LABELS[key]} for key, v in result.components.items()}
    explanation.pop("components", None)
    return {"id": int(result.id), "score": round(float(result.score), 4), "fit": round(float(result.fit), 4),
            "boost": round(float(result.boost), 4), "components": components, "explanation": explanation,
            "similar_ids": [int(i) for i in result.similar], **record}


def match_json(answer: dict[str, Any]) -> bytes:
    """A match answer serialised once (orjson), with no second validation pass: it was built from validated
    records, and ``tests/test_match_answers.py`` holds it equal to ``MatchList``'s own serialisation."""
    return orjson.dumps(answer)
