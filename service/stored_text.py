"""Free text is stored with the personal numbers in it masked.

ID numbers and phones have fields of their own, stored encrypted and shown masked, with one audited way to
see them in full (``POST /seekers/{id}/reveal``). A number typed into free text instead (a self-introduction,
a contact note, a rejection reason, a posting's description) would otherwise be stored and shown in clear to
every key that can read the record. So it is masked before it is written, with
:func:`matching.redact.mask_personal_numbers`: what is typed there is never stored, every reader gets the
masked text, and the database file holds no full number. A landline such as ``028-12345678`` stays.

The masking is a ``before_flush`` hook on the session factory (:func:`install`, called by
:func:`service.db.make_session_factory`), so it holds for every writer (the API, ``rengang import``, the seed)
over the columns named in :data:`FREE_TEXT`. A test checks that every text column of every table is either
listed there or known to hold codes, names of enums or derived values. Rows written before this existed are
masked by ``rengang db mask-free-text``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from matching.redact import mask_nested

# Table → the columns people type into (JSON columns: every string inside them).
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "seekers": ("name", "major", "experience", "self_intro", "skills", "desired_occupations"),
    "policy_flags": ("evidence_note", "rejection_reason"),
    "employers": ("name", "contact_note"),
    "job_postings": ("title", "description", "requirements", "address", "skills"),
    "referrals": ("note", "refusal_reason", "history"),
    "audit_events": ("detail",),  # a reveal's stated reason, an assistance case's note
    "api_keys": ("name",),
    "unemployment_spells": ("end_note",),
    "casework_contacts": ("notes", "next_step"),
    "assistance_cases": ("close_reason",),
    "zero_employment_households": ("label",),
    "zero_employment_household_members": ("relation",),
    "fairs": ("name", "venue"),
    "fair_employers": ("booth",),
    "officer_accounts": ("display_name",),
}


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _mask_pending)


def _mask_pending(session: Session, _flush_context, _instances) -> None:
    for row in (*session.new, *session.dirty):
        mask_row(row)


def mask_row(row: object) -> bool:
    """Mask the free text of one ORM row in place: the values it holds, never loading others. Changed?"""
    changed = False
    for name in FREE_TEXT.get(getattr(row, "__tablename__", ""), ()):
        value = row.__dict__.get(name)
        if value is not None:
            masked = mask_nested(value)
            if masked != value:
                setattr(row, name, masked)
                changed = True
    return changed


def mask_stored(session: Session, *, batch: int = 500) -> dict[str, int]:
    """Mask the free text of rows already stored, a batch per transaction: rows changed, per table."""
    from service.models import Base

    changed: dict[str, int] = {}
    for mapper in Base.registry.mappers:
        table = mapper.local_table.name
        if table not in FREE_TEXT:
            continue
        model = mapper.class_
        ids = session.scalars(select(model.id).order_by(model.id)).all()
        changed[table] = 0
        for start in range(0, len(ids), batch):
            rows: Iterable = session.scalars(select(model).where(model.id.in_(ids[start:start + batch])))
            changed[table] += sum(mask_row(row) for row in rows)
            session.commit()
    return changed
