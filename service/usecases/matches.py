"""Matching use-cases: access and audit around the engine's three queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload

from matching import rules
from matching.enums import Ownership, Role, SizeClass, WorkType
from matching.records import Card
from service import repository as repo
from service.models import JobPosting, Seeker
from service.presenters import match_list
from service.schemas import MatchFiltersIn, TextMatchRequest
from service.casework import usecases as casework
from service.fairs import usecases as fairs
from service.usecases.common import Context, not_found

PEOPLE_READERS = (Role.app, Role.officer, Role.admin)
TEXT_READERS = (Role.app, Role.officer, Role.admin, Role.kiosk)


def _usual_terms(job: JobPosting | Card) -> rules.HireFacts:
    """A hire on the posting's usual terms: a one-year contract with social insurance at the lowest offered pay."""
    work_type, wage = (job.facts["work_type"], job.facts["salary_min"]) if isinstance(job, Card) else \
        (job.work_type, job.salary_min)
    return rules.HireFacts(contract_months=12, social_insurance=True, work_type=WorkType(work_type),
                           monthly_wage=wage)


def _employer_facts(card: Card) -> rules.EmployerPolicyFacts:
    """The posting's employer as the policy rules know it (:func:`casework.employer_policy_facts`), from its card."""
    e = card.extra["employer"]
    return rules.EmployerPolicyFacts(size_class=SizeClass(e["size_class"]) if e["size_class"] else None,
                                     ownership=Ownership(e["ownership"]) if e["ownership"] else None,
                                     region_code=e["region_code"])


def _measure(outcome: rules.RuleOutcome) -> dict:
    return {"rule_id": outcome.rule_id, "name": outcome.name, "pays": outcome.pays.value,
            "amount_yuan": float(outcome.amount_yuan) if outcome.amount_yuan is not None else None,
            "amount_text": outcome.amount_text, "to_verify": list(outcome.to_verify),
            "source": f"{outcome.source.title} {outcome.source.clause}".strip()}


def jobs_for_seeker(ctx: Context, *, engine, seeker_id: int, filters: MatchFiltersIn, k: int) -> dict[str, Any]:
    """Jobs for a seeker; each shows the policy measures a hire there would bring (to the seeker or employer).

    The seeker is read once (with their flags); the postings come from the engine's replica, dressed from their
    cards: no posting or employer is read from the database."""
    ctx.require(*PEOPLE_READERS)
    seeker = ctx.session.get(Seeker, seeker_id, options=[joinedload(Seeker.flags)])
    if seeker is None or not ctx.principal.in_region(seeker.region_code):
        raise not_found("求职者")
    ranked = engine.jobs_for_seeker(ctx.session, seeker, filters=filters, k=k, scope_prefix=ctx.scope_prefix())
    result = match_list(ranked)
    ruleset, facts, today = casework.ruleset(), casework.seeker_policy_facts(ctx, seeker), ctx.today()
    for item in result["items"]:
        card = ranked.cards[item["id"]]
        outcomes = rules.evaluate_hire(ruleset, facts, _employer_facts(card), _usual_terms(card), today)
        item["explanation"]["policy_measures"] = [_measure(o) for o in outcomes if o.applies]
    ctx.audit_read("seeker.match_jobs", "seeker", [seeker.id])
    return result


def candidates_for_job(ctx: Context, *, engine, job_id: int, filters: MatchFiltersIn, k: int) -> dict[str, Any]:
    """Only consenting seekers; personal fields masked; every listed seeker's read is audited.

    Ranked from the replica; the people returned are then read (one query) for what only casework holds (their
    unemployment spells, household registration) and for the exposure statistics."""
    ctx.require(*PEOPLE_READERS)
    job = ctx.session.get(JobPosting, job_id)
    if job is None or not ctx.principal.in_region(job.region_code):
        raise not_found("岗位")
    ranked = engine.candidates_for_job(ctx.session, job, filters=filters, k=k, scope_prefix=ctx.scope_prefix())
    result = match_list(ranked)
    ruleset, employer, terms, today = casework.ruleset(), casework.employer_policy_facts(job.employer), _usual_terms(job), ctx.today()
    read = {s.id: s for s in repo.all_seekers(ctx.session, ids=[item["id"] for item in result["items"]])
            if s.consent_to_share}
    result["items"] = [item for item in result["items"] if item["id"] in read]  # withdrawn since the replica read
    people: dict[int, Seeker] = {item["id"]: read[item["id"]] for item in result["items"]}
    spells = casework.open_spells(ctx, list(people))
    for item in result["items"]:  # 政策找人: what hiring this candidate would unlock for the employer
        facts = casework.seeker_policy_facts(ctx, people[item["id"]], spell=spells.get(item["id"]))
        item["explanation"]["policy_unlocks"] = [_measure(o) for o in rules.unlocked_by_hire(
            ruleset, facts, employer, terms, today)]
    shown = [people[item["id"]] for item in result["items"][:10]]
    with ctx.transaction():
        ctx.audit("seeker.candidate_read", "seeker", [item["id"] for item in result["items"]], job_id=job.id)
        casework.record_exposures(ctx, job_id=job.id, region_code=job.region_code, ranked_seekers=shown)
    return result


def jobs_for_text(ctx: Context, *, engine, request: TextMatchRequest) -> dict[str, Any]:
    """For kiosks and first-time app users: nothing typed is stored."""
    ctx.require(*TEXT_READERS)
    fairs.require_unbound(ctx)
    return match_list(engine.jobs_for_text(None, request, scope_prefix=ctx.scope_prefix()))


