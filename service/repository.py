"""Every SQL statement of the service. Functions take a session and keyword arguments."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, selectinload

from matching.enums import JobStatus
from service import changes
from service.models import ApiKey, AuditEvent, Employer, JobPosting, PolicyFlag, Referral, Seeker

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def paginate(session: Session, stmt: Select, page: PageRequest) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.offset(page.offset).limit(page.page_size)))
    return items, total


def get(session: Session, model: type[M], record_id: int) -> M | None:
    return session.get(model, record_id)


def region_filter(column, prefix: str | None):
    """Codes under a region prefix. Prefixes are validated digits, so LIKE needs no ESCAPE (which would keep
    SQLite from using the index on the column)."""
    if not prefix:
        return None
    if not (prefix.isascii() and prefix.isdigit()):
        raise ValueError(f"region prefix must be digits: {prefix!r}")
    return column.like(f"{prefix}%")


def open_postings(today: date):
    """SQL for :func:`matching.postings.is_open`: status open and in date."""
    return and_(JobPosting.status == JobStatus.open.value,
                or_(JobPosting.valid_until.is_(None), JobPosting.valid_until >= today))


def matchable_postings(today: date):
    """SQL for :func:`matching.postings.is_matchable`: open, in date and with a place left."""
    return and_(open_postings(today), JobPosting.hired_count < JobPosting.headcount)


def _where(stmt: Select, *conditions) -> Select:
    for condition in conditions:
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


# --- employers -------------------------------------------------------------------------------


def employer_by_credit_code(session: Session, *, credit_code: str) -> Employer | None:
    return session.scalar(select(Employer).where(Employer.credit_code == credit_code))


def list_employers(
    session: Session, *, page: PageRequest, region_prefix: str | None, scope_prefix: str | None,
    industry_code: str | None, size_class: str | None, q: str | None,
) -> tuple[list[Employer], int]:
    stmt = _where(
        select(Employer).order_by(Employer.id),
        region_filter(Employer.region_code, region_prefix),
        region_filter(Employer.region_code, scope_prefix),
        Employer.industry_code.startswith(industry_code, autoescape=True) if industry_code else None,
        Employer.size_class == size_class if size_class else None,
        Employer.name.contains(q, autoescape=True) if q else None,
    )
    return paginate(session, stmt, page)


def employer_has_jobs(session: Session, *, employer_id: int) -> bool:
    return session.scalar(select(func.count()).where(JobPosting.employer_id == employer_id)) > 0


# --- job postings ----------------------------------------------------------------------------


def job_by_dedup(session: Session, *, employer_id: int, dedup_hash: str) -> JobPosting | None:
    return session.scalar(
        select(JobPosting).where(JobPosting.employer_id == employer_id, JobPosting.dedup_hash == dedup_hash)
    )


def stored_job_dedups(session: Session, *, keys: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (employer_id, dedup_hash) pairs are already stored; one query per 500 pairs."""
    pairs, found = list(keys), set()
    column = tuple_(JobPosting.employer_id, JobPosting.dedup_hash)
    for start in range(0, len(pairs), 500):
        rows = session.execute(select(JobPosting.employer_id, JobPosting.dedup_hash)
                               .where(column.in_(pairs[start:start + 500])))
        found.update((employer_id, dedup) for employer_id, dedup in rows)
    return found


def list_jobs(
    session: Session, *, page: PageRequest, employer_id: int | None, region_prefix: str | None,
    scope_prefix: str | None, occupation_code: str | None, work_type: str | None, status: str | None,
    salary_at_least: int | None, q: str | None, job_ids: Sequence[int] | None = None,
) -> tuple[list[JobPosting], int]:
    stmt = _where(
        select(JobPosting).options(selectinload(JobPosting.employer)).order_by(JobPosting.id.desc()),
        JobPosting.employer_id == employer_id if employer_id else None,
        region_filter(JobPosting.region_code, region_prefix),
        region_filter(JobPosting.region_code, scope_prefix),
        JobPosting.occupation_code.startswith(occupation_code, autoescape=True) if occupation_code else None,
        JobPosting.work_type == work_type if work_type else None,
        JobPosting.status == status if status else None,
        JobPosting.salary_max >= salary_at_least if salary_at_least is not None else None,
        (JobPosting.title.contains(q, autoescape=True) | JobPosting.description.contains(q, autoescape=True)) if q else None,
        JobPosting.id.in_(job_ids) if job_ids is not None else None,
    )
    return paginate(session, stmt, page)


def recent_open_posting_texts(session: Session, *, employer_id: int | None = None, region_code: str | None = None,
                              limit: int, chars: int) -> list[tuple[int, int, str, str]]:
    """(id, employer_id, region_code, title + the description's first ``chars`` characters) of the newest open
    postings of an employer or a county: what the near-duplicate check compares, without loading whole postings
    or counting them."""
    stmt = _where(
        select(JobPosting.id, JobPosting.employer_id, JobPosting.region_code, JobPosting.title,
               func.substr(JobPosting.description, 1, chars)).order_by(JobPosting.id.desc()).limit(limit),
        JobPosting.status == "open",
        JobPosting.employer_id == employer_id if employer_id else None,
        JobPosting.region_code == region_code if region_code else None,
    )
    return [(i, e, r, f"{t}\n{d or ''}") for i, e, r, t, d in session.execute(stmt).all()]


def expire_jobs(session: Session, *, today: date) -> list[int]:
    """Mark open postings past their valid_until as expired; return their ids."""
    ids = list(
        session.scalars(
            select(JobPosting.id).where(JobPosting.status == "open", JobPosting.valid_until < today)
        )
    )
    if ids:
        session.execute(update(JobPosting).where(JobPosting.id.in_(ids)).values(status="expired"))
        changes.touch(session, changes.JOB, ids, embed=False)
    return ids


def job_has_referrals(session: Session, *, job_id: int) -> bool:
    return session.scalar(select(func.count()).where(Referral.job_id == job_id)) > 0


def count_hire(session: Session, *, job_id: int) -> bool:
    """One more hire on the posting, if it has a place left; False when its headcount is filled.

    One conditional statement, so two hires racing for the last place can never both take it: PostgreSQL
    re-checks the condition on the row the other transaction committed, SQLite runs writers one at a time.
    The posting's loaded attributes are not refreshed: read it again with ``populate_existing``.
    """
    result = session.execute(
        update(JobPosting)
        .where(JobPosting.id == job_id, JobPosting.hired_count < JobPosting.headcount)
        .values(hired_count=JobPosting.hired_count + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        changes.touch(session, changes.JOB, [job_id], embed=False)
    return result.rowcount == 1


def set_headcount(session: Session, *, job_id: int, headcount: int) -> bool:
    """Sets the headcount unless it would fall below the hires already counted (checked in the same statement
    as the hires are, so a hire at the same moment cannot slip under it)."""
    result = session.execute(
        update(JobPosting)
        .where(JobPosting.id == job_id, JobPosting.hired_count <= headcount)
        .values(headcount=headcount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        changes.touch(session, changes.JOB, [job_id], embed=False)
    return result.rowcount == 1


# --- seekers and flags -----------------------------------------------------------------------


def seeker_by_id_hash(session: Session, *, id_number_hash: str) -> Seeker | None:
    return session.scalar(select(Seeker).where(Seeker.id_number_hash == id_number_hash))


def list_seekers(
    session: Session, *, page: PageRequest, region_prefix: str | None, scope_prefix: str | None,
    flag_kind: str | None, education: str | None, registered_unemployed: bool | None,
    consent: bool | None, phone_hash: str | None, id_number_hash: str | None,
) -> tuple[list[Seeker], int]:
    stmt = _where(
        select(Seeker).options(selectinload(Seeker.flags)).order_by(Seeker.id.desc()),
        region_filter(Seeker.region_code, region_prefix),
        region_filter(Seeker.region_code, scope_prefix),
        Seeker.id.in_(select(PolicyFlag.seeker_id).where(PolicyFlag.kind == flag_kind)) if flag_kind else None,
        Seeker.education == education if education else None,
        (Seeker.unemployment_registered_at.is_not(None) if registered_unemployed
         else Seeker.unemployment_registered_at.is_(None)) if registered_unemployed is not None else None,
        Seeker.consent_to_share == consent if consent is not None else None,
        Seeker.phone_hash == phone_hash if phone_hash else None,
        Seeker.id_number_hash == id_number_hash if id_number_hash else None,
    )
    return paginate(session, stmt, page)


def find_seekers(
    session: Session, *, page: PageRequest, scope_prefix: str | None, name_contains: str | None = None,
    id_number_hash: str | None = None, phone_hash: str | None = None, seeker_id: int | None = None,
) -> tuple[list[Seeker], int]:
    """The console's search 查找人员: by a part of the name (names are kept in clear), by the keyed hash of an ID
    number or a phone, or by record number; always within the caller's region."""
    escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") if name_contains else None
    stmt = _where(
        select(Seeker).options(selectinload(Seeker.flags))
        .order_by(func.length(Seeker.name), Seeker.name, Seeker.id),  # the exact name first
        region_filter(Seeker.region_code, scope_prefix),
        Seeker.name.like(f"%{escaped}%", escape="\\") if escaped else None,
        Seeker.id_number_hash == id_number_hash if id_number_hash else None,
        Seeker.phone_hash == phone_hash if phone_hash else None,
        Seeker.id == seeker_id if seeker_id is not None else None,
    )
    return paginate(session, stmt, page)


def flag_for(session: Session, *, seeker_id: int, kind: str) -> PolicyFlag | None:
    return session.scalar(select(PolicyFlag).where(PolicyFlag.seeker_id == seeker_id, PolicyFlag.kind == kind))


# --- referrals -------------------------------------------------------------------------------


def referral_for(session: Session, *, seeker_id: int, job_id: int) -> Referral | None:
    return session.scalar(select(Referral).where(Referral.seeker_id == seeker_id, Referral.job_id == job_id))


def hold_referral(session: Session, *, referral_id: int, status: str) -> bool:
    """Takes the referral for this transaction if it is still in ``status``; False if another one moved it.

    A write that changes nothing but locks the row (PostgreSQL) or takes the write lock (SQLite) until the
    transaction ends, so of two transitions from the same status only the first applies.
    """
    result = session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.status == status)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def list_referrals(
    session: Session, *, page: PageRequest, seeker_id: int | None, job_id: int | None, status: str | None,
    scope_prefix: str | None,
) -> tuple[list[Referral], int]:
    stmt = _where(
        select(Referral).order_by(Referral.id.desc()),
        Referral.seeker_id == seeker_id if seeker_id else None,
        Referral.job_id == job_id if job_id else None,
        Referral.status == status if status else None,
        Referral.seeker_id.in_(select(Seeker.id).where(Seeker.region_code.like(f"{scope_prefix}%")))
        if scope_prefix else None,
    )
    return paginate(session, stmt, page)


# --- keys and audit --------------------------------------------------------------------------


def api_key_by_key_id(session: Session, *, key_id: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def add_audit_events(session: Session, events: Sequence[dict[str, Any]]) -> None:
    session.add_all(AuditEvent(**e) for e in events)


def list_audit(
    session: Session, *, page: PageRequest, record_type: str | None, record_id: int | None, action: str | None,
) -> tuple[list[AuditEvent], int]:
    stmt = _where(
        select(AuditEvent).order_by(AuditEvent.id.desc()),
        AuditEvent.record_type == record_type if record_type else None,
        AuditEvent.record_id == record_id if record_id is not None else None,
        AuditEvent.action == action if action else None,
    )
    return paginate(session, stmt, page)


def delete_all_demo(session: Session) -> None:
    changes.touch(session, changes.SEEKER, session.scalars(select(Seeker.id).where(Seeker.is_demo.is_(True))), embed=True)
    changes.touch(session, changes.JOB, session.scalars(select(JobPosting.id).where(JobPosting.is_demo.is_(True))),
                  embed=True)
    session.execute(delete(Seeker).where(Seeker.is_demo.is_(True)))
    session.execute(delete(JobPosting).where(JobPosting.is_demo.is_(True)))
    session.execute(delete(Employer).where(Employer.is_demo.is_(True)))


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- stored embeddings -----------------------------------------------------------------------


def embedding_hashes(session: Session, *, kind: str, model_id: str, ids: Sequence[int] | None = None) -> dict[int, str]:
    """record id → text hash of the stored vectors of one model (of some records, or of all)."""
    from service.models import Embedding

    stmt = select(Embedding.record_id, Embedding.text_hash).where(Embedding.kind == kind, Embedding.model_id == model_id)
    if ids is None:
        return {rid: h for rid, h in session.execute(stmt)}
    out: dict[int, str] = {}
    ids = [int(i) for i in ids]
    for start in range(0, len(ids), 5000):
        out.update({rid: h for rid, h in session.execute(stmt.where(Embedding.record_id.in_(ids[start:start + 5000])))})
    return out


def sample_embeddings(session: Session, *, kind: str, model_id: str, limit: int = 200):
    """Up to ``limit`` stored vectors of one kind (the most recently written), as a float32 matrix."""
    import numpy as np

    from service.models import Embedding

    rows = session.execute(select(Embedding.vector, Embedding.dim).where(
        Embedding.kind == kind, Embedding.model_id == model_id).order_by(Embedding.record_id.desc()).limit(limit)).all()
    if not rows:
        return np.zeros((0, 0), np.float32)
    return np.frombuffer(b"".join(bytes(r[0]) for r in rows), dtype=np.float32).reshape(len(rows), rows[0][1])


def embedding_texts_and_vectors(session: Session, *, kind: str, model_id: str, ids: Sequence[int]):
    """(record id → text, record id → float32 vector) of stored vectors; rows without a stored text give only
    their vector."""
    import numpy as np

    from service.models import Embedding

    rows = session.execute(select(Embedding.record_id, Embedding.text, Embedding.vector).where(
        Embedding.kind == kind, Embedding.model_id == model_id, Embedding.record_id.in_([int(i) for i in ids])))
    texts, vectors = {}, {}
    for rid, text, blob in rows:
        vectors[rid] = np.frombuffer(blob, dtype=np.float32)
        if text is not None:
            texts[rid] = text
    return texts, vectors


def embedding_texts(session: Session, *, kind: str, model_id: str, ids: Sequence[int]) -> dict[int, str]:
    """record id → the text its stored vector came from (rows stored before texts were kept are left out)."""
    from service.models import Embedding

    rows = session.execute(
        select(Embedding.record_id, Embedding.text).where(
            Embedding.kind == kind, Embedding.model_id == model_id, Embedding.record_id.in_([int(i) for i in ids]),
            Embedding.text.is_not(None))
    )
    return {rid: text for rid, text in rows}


def embedding_vectors(session: Session, *, kind: str, model_id: str, ids: Sequence[int] | None = None):
    """(ids, hashes, float32 matrix) of stored vectors, optionally for some records only."""
    out_ids, hashes, matrix, _texts = embedding_vectors_and_texts(session, kind=kind, model_id=model_id, ids=ids,
                                                                  texts=False)
    return out_ids, hashes, matrix


def embedding_vectors_and_texts(session: Session, *, kind: str, model_id: str, ids: Sequence[int] | None = None,
                                texts: bool = True):
    """(ids, hashes, float32 matrix, texts) of stored vectors, optionally for some records only; each text is the
    one its vector was embedded from (None for rows stored before texts were kept, or when ``texts`` is off)."""
    import numpy as np

    from service.models import Embedding

    columns = [Embedding.record_id, Embedding.text_hash, Embedding.vector, Embedding.dim]
    stmt = select(*columns, Embedding.text) if texts else select(*columns)
    stmt = stmt.where(Embedding.kind == kind, Embedding.model_id == model_id)
    if ids is not None:
        stmt = stmt.where(Embedding.record_id.in_(list(ids)))
    rows = session.execute(stmt.order_by(Embedding.record_id)).all()
    if not rows:
        return np.zeros(0, np.int64), [], np.zeros((0, 0), np.float32), []
    out_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(bytes(r[2]) for r in rows), dtype=np.float32).reshape(len(rows), rows[0][3])
    return out_ids, [r[1] for r in rows], matrix, [r[4] if texts else None for r in rows]


def upsert_embeddings(session: Session, *, kind: str, model_id: str, ids: Sequence[int], hashes: Sequence[str],
                      vectors, texts: Sequence[str] | None = None) -> None:
    from service.models import Embedding

    if len(ids) == 0:
        return
    session.execute(
        delete(Embedding).where(Embedding.kind == kind, Embedding.model_id == model_id,
                                Embedding.record_id.in_([int(i) for i in ids]))
    )
    session.add_all(
        Embedding(kind=kind, record_id=int(i), model_id=model_id, text_hash=h, dim=int(v.shape[0]),
                  vector=v.astype("float32").tobytes(), text=t)
        for i, h, v, t in zip(ids, hashes, vectors, texts if texts is not None else [None] * len(ids), strict=True)
    )


def delete_embeddings(session: Session, *, kind: str, ids: Sequence[int]) -> None:
    from service.models import Embedding

    if ids:
        session.execute(delete(Embedding).where(Embedding.kind == kind, Embedding.record_id.in_([int(i) for i in ids])))


def all_jobs(session: Session, *, ids: Sequence[int] | None = None) -> list[JobPosting]:
    stmt = select(JobPosting).options(selectinload(JobPosting.employer)).order_by(JobPosting.id)
    if ids is not None:
        stmt = stmt.where(JobPosting.id.in_(list(ids)))
    return list(session.scalars(stmt))


def all_seekers(session: Session, *, ids: Sequence[int] | None = None) -> list[Seeker]:
    stmt = select(Seeker).options(selectinload(Seeker.flags)).order_by(Seeker.id)
    if ids is not None:
        stmt = stmt.where(Seeker.id.in_(list(ids)))
    return list(session.scalars(stmt))
