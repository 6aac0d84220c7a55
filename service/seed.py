"""``rengang seed``: generated demo data, inserted through the same validation and use-cases as the API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session
from tqdm import tqdm

from matching.demo import generate_demo
from matching.enums import FlagStatus, Role
from service import repository as repo
from service.errors import Conflict
from service.models import Employer, JobPosting, Seeker
from service.schemas import EmployerCreate, JobCreate, SeekerCreate
from service.security import PiiCipher, Principal
from service.settings import Settings
from service.usecases import employers, jobs, seekers
from service.usecases.common import Context
from service.usecases.keys import create_key

DEMO_KEYS = {"admin": (Role.admin, None), "app": (Role.app, None), "officer": (Role.officer, "5101"),
             "kiosk": (Role.kiosk, None)}


@dataclass
class SeedResult:
    counts: dict[str, int]
    keys: dict[str, str]
    accounts: dict[str, str]  # the demo officer accounts: user name -> password (shown once, stored hashed)


def seed_demo(session: Session, *, settings: Settings, n_employers: int, n_jobs: int, n_seekers: int,
              random_seed: int, today: date | None = None, show_progress: bool = True) -> SeedResult | None:
    """Insert demo data into an empty database; return None (and write nothing) if it holds any record."""
    if any(repo.count(session, m) for m in (Employer, JobPosting, Seeker)):
        return None
    today = today or datetime.now(UTC).date()
    demo = generate_demo(np.random.default_rng(random_seed), n_employers=n_employers, n_jobs=n_jobs,
                         n_seekers=n_seekers, today=today)
    ctx = Context(session=session, principal=Principal(key_id="seed", role=Role.admin),
                  cipher=PiiCipher(settings.secret()))
    try:
        counts = _insert(ctx, demo, show_progress)
        fair_id = seed_demo_fair(ctx, today=today)
    except BaseException:
        session.rollback()
        repo.delete_all_demo(session)  # all or nothing: a failed seed leaves the database empty again
        session.commit()
        raise
    tokens = {}
    for name, (role, region) in DEMO_KEYS.items():
        _key, tokens[name] = create_key(session, role=role, region_prefix=region, name=f"demo {name}",
                                        fair_id=fair_id if role is Role.kiosk else None)
    return SeedResult(counts=counts, keys=tokens, accounts=_demo_accounts(session))


DEMO_ACCOUNTS = {"demo.officer": ("5101", "演示经办员")}


def _demo_accounts(session: Session) -> dict[str, str]:
    """Officer accounts for a first look at the console, each with a random password."""
    import secrets

    from service.accounts.usecases import create_account

    passwords = {}
    for username, (region, display_name) in DEMO_ACCOUNTS.items():
        passwords[username] = secrets.token_urlsafe(12)
        create_account(session, username=username, password=passwords[username], region_prefix=region,
                       display_name=display_name, created_by="seed")
    return passwords


def _insert(ctx: Context, demo, show_progress: bool) -> dict[str, int]:
    employer_ids = []
    for payload in tqdm(demo.employers, desc="用人单位", disable=not show_progress):
        data = EmployerCreate.model_validate({k: v for k, v in payload.items() if k != "is_demo"})
        employer_ids.append(employers.create(ctx, data=data, is_demo=True).id)
    n_jobs = 0
    for payload in tqdm(demo.jobs, desc="岗位", disable=not show_progress):
        fields = {k: v for k, v in payload.items() if k not in ("is_demo", "employer_index")}
        data = JobCreate.model_validate(fields | {"employer_id": employer_ids[payload["employer_index"]]})
        try:
            jobs.create(ctx, data=data, is_demo=True)
            n_jobs += 1
        except Conflict:
            continue  # the generator may repeat a posting for one employer; the API refuses it, so do we
    now = ctx.now()
    seeker_ids: list[int] = []
    for payload in tqdm(demo.seekers, desc="求职者", disable=not show_progress):
        flags = payload.get("flags", [])
        fields = {k: v for k, v in payload.items() if k not in ("is_demo", "flags")}
        declared = [{"kind": f["kind"], "evidence_note": f.get("evidence_note", ""), "expires_at": f.get("expires_at")}
                    for f in flags]
        data = SeekerCreate.model_validate(fields | {"flags": declared})
        statuses = [
            {"status": f.get("status", FlagStatus.self_declared.value)}
            | ({"verified_by": "seed", "verified_at": now} if f.get("status") in ("verified", "rejected", "expired") else {})
            for f in flags
        ]
        seeker_ids.append(seekers.create(ctx, data=data, is_demo=True, flag_statuses=statuses).id)
    counts = {"employers": len(employer_ids), "jobs": n_jobs, "seekers": len(demo.seekers)}
    if demo.casework is not None:
        counts |= _insert_casework(ctx, demo.casework, seeker_ids)
    return counts


def _insert_casework(ctx: Context, plan, seeker_ids: list[int]) -> dict[str, int]:
    """The demo office's follow-ups, 零就业家庭 and 就业援助 cases (opened hours ago, on a clock set back that far),
    through the casework use-cases, so the caseload, due list, assistance and households show a working office."""
    from service.casework import usecases as casework
    from service.casework.schemas import AssistanceOpen, ContactCreate, HouseholdCreate

    for c in plan.contacts:
        casework.add_contact(ctx, seeker_id=seeker_ids[c["seeker"]], data=ContactCreate.model_validate(
            {k: v for k, v in c.items() if k != "seeker"}))
    for h in plan.households:
        casework.create_household(ctx, data=HouseholdCreate(
            region_code=h["region_code"], label=h["label"], identified_on=h["identified_on"],
            member_ids=[seeker_ids[i] for i in h["members"]]))
    now = ctx.now()
    for a in plan.assistance:
        opened = now - timedelta(hours=a["hours_ago"])
        casework.open_assistance(replace(ctx, clock=lambda opened=opened: opened),
                                 data=AssistanceOpen(seeker_id=seeker_ids[a["seeker"]], note="演示数据"))
    return {"contacts": len(plan.contacts), "households": len(plan.households), "assistance": len(plan.assistance)}


def seed_demo_fair(ctx: Context, *, today: date, booths: int = 12) -> int:
    """A demo 春风行动 fair, open today, in the city with the most demo postings; its kiosk key is bound to it."""
    from service.fairs import repository as frepo
    from service.presenters import region_name
    from service.fairs.schemas import BoothCreate, FairCreate, FairStatus
    from service.fairs import usecases as fairs

    chosen = frepo.demo_fair_employers(ctx.session, limit=booths)
    region = chosen[0].region_code
    fair = fairs.create(ctx, data=FairCreate(
        name=f"{today.year}年春风行动专场招聘会", venue=f"{region_name(region)}人力资源市场一楼大厅",
        region_code=region, starts_on=today, ends_on=date.fromordinal(today.toordinal() + 2)), is_demo=True)
    for n, employer in enumerate(chosen, start=1):
        fairs.add_booth(ctx, fair_id=fair.id, data=BoothCreate(employer_id=employer.id, booth=f"A{n:02d}"))
    fairs.set_status(ctx, fair_id=fair.id, status=FairStatus.open)
    return fair.id

