"""招聘岗位."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matching import compliance, postings, refdata
from matching.enums import JobStatus, Role
from service import repository as repo
from service.errors import AppError, Conflict, InvalidInput
from service.models import Employer, JobPosting
from service.repository import PageRequest
from service.schemas import JobCreate, JobUpdate
from service.fairs import usecases as fairs
from service.usecases.common import Context, content_hash, not_found

WRITERS = (Role.app, Role.officer, Role.admin)
READERS = (Role.app, Role.officer, Role.admin, Role.kiosk)
DUPLICATE = "该单位已发布过标题和描述相同的岗位"

Prepared = list[tuple[JobPosting, Employer]]  # postings built, not yet in the session, with their employer
Problems = list[tuple[int, AppError]]  # (item index, what is wrong with it)


def effective_status(ctx: Context, job: JobPosting) -> str:
    return postings.effective_status(job.status, job.valid_until, ctx.today())


def _visible(ctx: Context, job: JobPosting | None) -> JobPosting:
    if job is None or not ctx.principal.in_region(job.region_code):
        raise not_found("岗位")
    if ctx.principal.role is Role.kiosk and effective_status(ctx, job) != JobStatus.open:
        raise not_found("岗位")
    if (scope := fairs.kiosk_job_scope(ctx)) is not None and job.id not in ctx.session.scalars(scope).all():
        raise not_found("岗位")
    return job


def get(ctx: Context, *, job_id: int) -> JobPosting:
    ctx.require(*READERS)
    return _visible(ctx, repo.get(ctx.session, JobPosting, job_id))


def _default_coordinates(job: JobPosting) -> None:
    if job.lat is None or job.lon is None:
        centroid = refdata.county_centroid(job.region_code)
        job.lat, job.lon = centroid if centroid else (None, None)


@dataclass(frozen=True)
class Checks:
    """How a write runs the 岗位审核 checks (from the settings): the region's minimum wages, and whether a
    ``block`` finding refuses a new posting. The review lifecycle (submitted → published) is a later step: until
    then findings are returned with the posting and nothing else is held back."""

    minimum_wages: compliance.MinimumWages | None = None
    refuse_block: bool = False


NEARBY_LIMIT = 200  # newest open postings of the same employer, and of the same county, compared for near-duplicates


def _posting_text(job: JobPosting | JobCreate) -> compliance.PostingText:
    return compliance.PostingText(
        title=job.title, description=job.description or "", requirements=job.requirements or "",
        address=job.address or "", region_code=job.region_code, salary_min=job.salary_min, salary_max=job.salary_max,
        age_min=job.age_min, age_max=job.age_max, work_type=str(getattr(job.work_type, "value", job.work_type)))


def _open_postings(ctx: Context, *, employer_id: int | None = None, region_code: str | None = None,
                   ) -> list[compliance.Published]:
    rows = repo.recent_open_posting_texts(ctx.session, employer_id=employer_id, region_code=region_code,
                                          limit=NEARBY_LIMIT, chars=compliance.NEAR_DUPLICATE_CHARS)
    return [compliance.Published(id=i, employer_id=e, text=text)
            for i, e, region, text in rows if ctx.principal.in_region(region)]  # never name one the reader can't see


def findings(ctx: Context, jobs: Sequence[JobPosting], *, checks: Checks) -> list[list[compliance.Finding]]:
    """岗位审核 of written postings, in order: every rule, and near-duplicates among the open postings of the
    same employer or the same county (not the posting itself; each read once per batch; not for a kiosk, which
    sees only its fair's postings)."""
    by_employer: dict[int, list[compliance.Published]] = {}
    by_county: dict[str, list[compliance.Published]] = {}
    out = []
    for job in jobs:
        if ctx.principal.role is Role.kiosk:
            out.append(compliance.check(_posting_text(job), minimum_wages=checks.minimum_wages,
                                        year=ctx.today().year))
            continue
        if job.employer_id not in by_employer:
            by_employer[job.employer_id] = _open_postings(ctx, employer_id=job.employer_id)
        if job.region_code not in by_county:
            by_county[job.region_code] = _open_postings(ctx, region_code=job.region_code)
        published = list({p.id: p for p in by_employer[job.employer_id] + by_county[job.region_code]}.values())
        out.append(compliance.check(_posting_text(job), minimum_wages=checks.minimum_wages,
                                    nearby=lambda _text, published=published: published,
                                    employer_id=job.employer_id, exclude_id=job.id, year=ctx.today().year))
    return out


def _refuse_blocking(ctx: Context, data: JobCreate, checks: Checks) -> None:
    found = compliance.blocking(compliance.check(_posting_text(data), minimum_wages=checks.minimum_wages,
                                                 year=ctx.today().year))
    if found:
        first = found[0]
        where = first.spans[0] if first.spans else None
        quoted = f"“{where.text}”" if where else ""
        raise InvalidInput(f"{first.title}{quoted}：{first.detail}", field=where.field if where else "description",
                           code=f"compliance_{first.rule}",
                           extra={"compliance": [f.to_dict() for f in found]})


def create(ctx: Context, *, data: JobCreate, is_demo: bool = False, checks: Checks | None = None) -> JobPosting:
    ctx.require(*WRITERS)
    prepared, problems = _prepare(ctx, [data], is_demo=is_demo)
    if problems:
        raise _rejection(problems, item_names=False)
    if checks is not None and checks.refuse_block:
        _refuse_blocking(ctx, data, checks)
    return _insert(ctx, prepared)[0]


def create_many(ctx: Context, *, items: Sequence[JobCreate], is_demo: bool = False) -> list[JobPosting]:
    """批量发布: all or nothing, returned in input order.

    Every item is checked first (employer, region, duplicates of stored postings and of earlier items), then all
    are inserted in one flush and one commit, and the matching engine is told once with every new id. A refusal
    names the first failing item as ``items.{index}.{field}`` (index from 0, as schema errors do) and lists every
    problem in item order under ``errors``: 422 if any item is invalid, otherwise 409 for duplicates.
    """
    ctx.require(*WRITERS)
    prepared, problems = _prepare(ctx, items, is_demo=is_demo)
    if problems:
        raise _rejection(problems, item_names=True)
    return _insert(ctx, prepared) if prepared else []


def _prepare(ctx: Context, items: Sequence[JobCreate], *, is_demo: bool) -> tuple[Prepared, Problems]:
    """The checks of a new posting, over every item; builds the postings (not yet in the session)."""
    hashes = [content_hash(data.title, data.description) for data in items]
    stored = repo.stored_job_dedups(ctx.session, keys={(d.employer_id, h) for d, h in zip(items, hashes, strict=True)})
    employers: dict[int, Employer | None] = {}
    first_at: dict[tuple[int, str], int] = {}
    prepared: Prepared = []
    problems: Problems = []
    for index, (data, dedup) in enumerate(zip(items, hashes, strict=True)):
        if data.employer_id not in employers:
            employers[data.employer_id] = ctx.session.get(Employer, data.employer_id)
        employer = employers[data.employer_id]
        known = employer is not None and ctx.principal.in_region(employer.region_code)
        if not known:
            problems.append((index, InvalidInput("用人单位不存在或无权访问", field="employer_id", code="unknown_employer")))
        if not ctx.principal.in_region(data.region_code):
            problems.append((index, InvalidInput("岗位所在地不在您的管辖范围内", field="region_code",
                                                 code="region_out_of_scope")))
        key = (data.employer_id, dedup)
        if known and key in stored:
            problems.append((index, Conflict(DUPLICATE, field="title", code="duplicate_job")))
        elif known and key in first_at:
            problems.append((index, Conflict(f"与 items.{first_at[key]} 的用人单位、标题和描述相同", field="title",
                                             code="duplicate_job", extra={"duplicate_of": first_at[key]})))
        elif known:
            first_at[key] = index
        if not problems:  # once anything is refused nothing is written, so stop building
            job = JobPosting(**data.model_dump(), dedup_hash=dedup, is_demo=is_demo, status=JobStatus.open.value)
            _default_coordinates(job)
            prepared.append((job, employer))
    return prepared, problems


def _rejection(problems: Problems, *, item_names: bool) -> AppError:
    """422 if any item is invalid, else 409; the first such problem names the response."""
    index, first = next(((i, e) for i, e in problems if isinstance(e, InvalidInput)), problems[0])
    if not item_names:
        return first
    listing = [{"field": f"items.{i}.{e.field}", "code": e.code, "message": e.detail, **e.extra} for i, e in problems]
    field = f"items.{index}.{first.field}"
    if isinstance(first, InvalidInput):  # its own ``errors`` holds one entry; ``extra`` replaces it with all
        return InvalidInput(first.detail, field=field, code=first.code, extra={"errors": listing})
    return Conflict(f"{field}：{first.detail}", field=field, code=first.code,
                    extra={"code": first.code, "errors": listing})


def _insert(ctx: Context, prepared: Prepared) -> list[JobPosting]:
    with ctx.transaction(DUPLICATE):
        ctx.session.add_all([job for job, _ in prepared])
        ctx.session.flush()
        for job, employer in prepared:
            job.employer = employer
    created = [job for job, _ in prepared]
    return created


def update(ctx: Context, *, job_id: int, data: JobUpdate) -> JobPosting:
    ctx.require(*WRITERS)
    job = get(ctx, job_id=job_id)
    changes = data.model_dump(exclude_unset=True)
    merged = {c: changes.get(c, getattr(job, c)) for c in ("salary_min", "salary_max", "age_min", "age_max")}
    if None not in (merged["salary_min"], merged["salary_max"]) and merged["salary_min"] > merged["salary_max"]:
        raise InvalidInput("最低月薪不能高于最高月薪", field="salary_min", code="salary_range")
    if None not in (merged["age_min"], merged["age_max"]) and merged["age_min"] > merged["age_max"]:
        raise InvalidInput("最低年龄不能高于最高年龄", field="age_min", code="age_range")
    if "region_code" in changes and not ctx.principal.in_region(changes["region_code"]):
        raise InvalidInput("岗位所在地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    if changes.get("valid_until") is not None and changes["valid_until"] < ctx.today():
        raise InvalidInput("有效期不能早于今天", field="valid_until", code="date_in_past")
    if changes.get("status") == JobStatus.expired:
        raise InvalidInput("岗位过期由系统根据有效期自动标记", field="status", code="status_not_settable")
    with ctx.transaction(DUPLICATE):
        if changes.get("headcount") is not None and not repo.set_headcount(
                ctx.session, job_id=job.id, headcount=changes["headcount"]):
            hired = ctx.session.get(JobPosting, job.id, populate_existing=True).hired_count
            raise InvalidInput(f"招聘人数不能少于已录用人数（已录用{hired}人）", field="headcount",
                               code="headcount_below_hired")
        for key, value in changes.items():
            setattr(job, key, value)
        if "region_code" in changes and not ({"lat", "lon"} & changes.keys()):
            job.lat = job.lon = None
        _default_coordinates(job)
        if {"title", "description"} & changes.keys():
            job.dedup_hash = content_hash(job.title, job.description)
        if "occupation_code" in changes:
            job.occupation_auto = False
        if job.status == JobStatus.expired and job.valid_until is not None and job.valid_until >= ctx.today():
            job.status = JobStatus.open.value  # extended validity reopens an expired posting
    return job


def delete(ctx: Context, *, job_id: int) -> None:
    ctx.require(*WRITERS)
    job = get(ctx, job_id=job_id)
    if repo.job_has_referrals(ctx.session, job_id=job_id):
        raise Conflict("该岗位已有推荐记录，请将状态改为 closed 而非删除", code="job_has_referrals")
    with ctx.transaction():
        ctx.session.delete(job)


def list_(
    ctx: Context, *, page: PageRequest, employer_id: int | None = None, region_prefix: str | None = None,
    occupation_code: str | None = None, work_type: str | None = None, status: str | None = None,
    salary_at_least: int | None = None, q: str | None = None,
) -> tuple[list[JobPosting], int]:
    ctx.require(*READERS)
    if ctx.principal.role is Role.kiosk:
        status = JobStatus.open.value
    return repo.list_jobs(
        ctx.session, page=page, employer_id=employer_id, region_prefix=region_prefix,
        scope_prefix=ctx.scope_prefix(), occupation_code=occupation_code, work_type=work_type, status=status,
        salary_at_least=salary_at_least, q=q, job_ids=fairs.kiosk_job_scope(ctx),
    )


def expire_due(ctx_session, *, today) -> list[int]:
    """Sweep: mark postings past valid_until as expired (run at start and periodically)."""
    ids = repo.expire_jobs(ctx_session, today=today)
    ctx_session.commit()
    return ids
