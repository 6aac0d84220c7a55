from __future__ import annotations

from fastapi import APIRouter

from matching.enums import ReferralStatus
from service.deps import ContextDep, PageDep
from service.params import RecordId, IdQuery
from service.presenters import referral_out
from service.schemas import Page, ReferralCreate, ReferralOut, ReferralTransition
from service.usecases import referrals

router = APIRouter(prefix="/referrals", tags=["推荐 referrals"])


@router.post("", status_code=201, response_model=ReferralOut)
def create_referral(ctx: ContextDep, body: ReferralCreate):
    return referral_out(referrals.create(ctx, data=body))


@router.get("", response_model=Page[ReferralOut])
def list_referrals(ctx: ContextDep, page: PageDep, seeker_id: IdQuery = None, job_id: IdQuery = None,
                   status: ReferralStatus | None = None):
    items, total = referrals.list_(ctx, page=page, seeker_id=seeker_id, job_id=job_id,
                                   status=status.value if status else None)
    return Page[ReferralOut](items=[referral_out(r) for r in items], total=total, page=page.page,
                             page_size=page.page_size)


@router.get("/{referral_id}", response_model=ReferralOut)
def get_referral(ctx: ContextDep, referral_id: RecordId):
    return referral_out(referrals.get(ctx, referral_id=referral_id))


@router.post("/{referral_id}/transition", response_model=ReferralOut)
def transition_referral(ctx: ContextDep, referral_id: RecordId, body: ReferralTransition):
    return referral_out(referrals.transition(ctx, referral_id=referral_id, data=body))
