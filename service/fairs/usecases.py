"""招聘会: fairs, booths and their postings, and what a fair's kiosk may read and count.

A kiosk key bound to a fair reads only that fair's open postings, and only while the fair is open.
Nothing a seeker taps or types is stored: a search adds one to anonymous per-day counters.
"""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

from sqlalchemy import Select

from matching import refdata
from matching.enums import EDUCATION_LABELS, WORK_TYPE_LABELS, Education, Role, WorkType
from matching import kiosk as scorer
from matching.text import display_title
from matching.understand import posting_intents
from service import repository as repo
from service.fairs import repository as frepo
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.models import Employer, JobPosting
from service.models.fairs import Fair, FairEmployer
from service.presenters import occupation_name, region_name
from service.repository import PageRequest
from service.fairs.schemas import BoothCreate, FairCreate, FairStatus, FairUpdate, KioskCountsIn, KioskMatchIn
from service.usecases.common import Context, not_found

log = logging.getLogger("rengang.fairs")

ORGANISERS = (Role.admin, Role.officer)
CAMPAIGN_WORDS = {"春风行动": "春风行动：农村劳动力、农民工可到服务台登记，享受免费职业介绍和技能培训",
                  "就业援助月": "就业援助月：就业困难人员、零就业家庭成员可到服务台申请一对一援助"}


# --- organisers ------------------------------------------------------------------------------


def _fair(ctx: Context, fair_id: int) -> Fair:
    fair = frepo.get_fair(ctx.session, fair_id=fair_id)
    if fair is None or not ctx.principal.in_region(fair.region_code):
        raise not_found("招聘会")
    if ctx.principal.role is Role.kiosk and fair.id != ctx.principal.fair_id:
        raise not_found("招聘会")
    return fair


def get(ctx: Context, *, fair_id: int) -> Fair:
    ctx.require(*ORGANISERS, Role.kiosk)
    return _fair(ctx, fair_id)


def list_(ctx: Context, *, page: PageRequest, status: str | None) -> tuple[list[Fair], int]:
    ctx.require(*ORGANISERS)
    return frepo.list_fairs(ctx.session, page=page, scope_prefix=ctx.scope_prefix(), status=status)


def create(ctx: Context, *, data: FairCreate, is_demo: bool = False) -> Fair:
    ctx.require(*ORGANISERS)
    if not ctx.principal.in_region(data.region_code):
        raise InvalidInput("招聘会所在地不在您的管辖范围内", field="region_code", code="region_out_of_scope")
    fields = data.model_dump()
    if fields["lat"] is None:
        fields["lat"], fields["lon"] = refdata.county_centroid(data.region_code) or (None, None)
    fair = Fair(**fields, status=FairStatus.planned.value, is_demo=is_demo)
    with ctx.transaction():
        ctx.session.add(fair)
        ctx.session.flush()
        ctx.audit("fair.create", "fair", [fair.id])
    return _fair(ctx, fair.id)


def update(ctx: Context, *, fair_id: int, data: FairUpdate) -> Fair:
    ctx.require(*ORGANISERS)
    fair = _fair(ctx, fair_id)
    changes = data.model_dump(exclude_unset=True)
    starts, ends = changes.get("starts_on", fair.starts_on), changes.get("ends_on", fair.ends_on)
    if ends < starts:
        raise InvalidInput("结束日期不能早于开始日期", field="ends_on", code="date_order")
    with ctx.transaction():
        for key, value in changes.items():
            setattr(fair, key, value)
        ctx.audit("fair.update", "fair", [fair.id], fields=sorted(changes))
    return fair


def set_status(ctx: Context, *, fair_id: int, status: FairStatus) -> Fair:
    """Open a fair to its kiosks, or close it (kiosks then show it has ended and read nothing)."""
    ctx.require(*ORGANISERS)
    fair = _fair(ctx, fair_id)
    if status is FairStatus.open and not fair.booths:
        raise Conflict("招聘会还没有参会单位，不能开始", code="fair_without_employers")
    with ctx.transaction():
        fair.status = status.value
        ctx.audit(f"fair.{status.value}", "fair", [fair.id])
    return fair


def add_booth(ctx: Context, *, fair_id: int, data: BoothCreate) -> Fair:
    ctx.require(*ORGANISERS)
    fair = _fair(ctx, fair_id)
    employer = ctx.session.get(Employer, data.employer_id)
    if employer is None or not ctx.principal.in_region(employer.region_code):
        raise InvalidInput("用人单位不存在或无权访问", field="employer_id", code="unknown_employer")
    if data.job_ids is not None:
        missing = set(data.job_ids) - frepo.jobs_owned_by(ctx.session, employer_id=employer.id, job_ids=data.job_ids)
        if missing or not data.job_ids:
            raise InvalidInput("所选岗位不属于该单位", field="job_ids", code="job_not_of_employer")
    existing = frepo.booth(ctx.session, fair_id=fair.id, employer_id=employer.id)
    with ctx.transaction("该单位已在本场招聘会"):
        row = existing or FairEmployer(fair_id=fair.id, employer_id=employer.id)
        row.booth = data.booth
        row.all_postings = data.job_ids is None
        ctx.session.add(row)
        frepo.set_chosen_jobs(ctx.session, fair_id=fair.id, employer_id=employer.id, job_ids=data.job_ids or [])
        ctx.audit("fair.booth", "fair", [fair.id], employer_id=employer.id, booth=data.booth)
    ctx.session.expire(fair)
    return _fair(ctx, fair.id)


def remove_booth(ctx: Context, *, fair_id: int, employer_id: int) -> None:
    ctx.require(*ORGANISERS)
    fair = _fair(ctx, fair_id)
    row = frepo.booth(ctx.session, fair_id=fair.id, employer_id=employer_id)
    if row is None:
        raise NotFound("该单位不在本场招聘会")
    with ctx.transaction():
        frepo.set_chosen_jobs(ctx.session, fair_id=fair.id, employer_id=employer_id, job_ids=[])
        ctx.session.delete(row)
        ctx.audit("fair.booth_removed", "fair", [fair.id], employer_id=employer_id)


def chosen_jobs(ctx: Context, *, fair: Fair) -> dict[int, list[int]]:
    return frepo.chosen_job_ids(ctx.session, fair_id=fair.id)


def open_jobs(ctx: Context, *, fair_id: int) -> list[tuple[JobPosting, str]]:
    """The fair's postings a seeker may see now: (posting, booth)."""
    ctx.require(*ORGANISERS, Role.kiosk)
    fair = _fair(ctx, fair_id)
    if ctx.principal.role is Role.kiosk and fair.status != FairStatus.open:
        return []
    return frepo.open_fair_jobs(ctx.session, fair_id=fair.id, today=ctx.today())


def counts(ctx: Context, *, fair_id: int):
    ctx.require(*ORGANISERS)
    fair = _fair(ctx, fair_id)
    return frepo.counts(ctx.session, fair_id=fair.id)


def count_label(key: str) -> str:
    if key == "search":
        return "查询次数"
    tile = scorer.TILE_BY_KEY.get(key)
    return tile.label if tile else key


# --- the kiosk's scope over the jobs API ------------------------------------------------------


def kiosk_job_scope(ctx: Context) -> Select | None:
    """For a kiosk bound to a fair: the ids it may read (none unless the fair is open); else None."""
    if ctx.principal.role is not Role.kiosk or ctx.principal.fair_id is None:
        return None
    fair = ctx.session.get(Fair, ctx.principal.fair_id)
    if fair is None or fair.status != FairStatus.open:
        return frepo.fair_jobs_select(-1)
    return frepo.fair_jobs_select(fair.id)


def require_unbound(ctx: Context) -> None:
    """Endpoints that search beyond one fair refuse a kiosk bound to a fair."""
    if ctx.principal.role is Role.kiosk and ctx.principal.fair_id is not None:
        raise Forbidden("本自助机密钥只能查看所属招聘会的岗位，请使用 /kiosk/api/match", code="kiosk_bound_to_fair")


# --- the kiosk -------------------------------------------------------------------------------


def _kiosk_fair(ctx: Context) -> Fair:
    ctx.require(Role.kiosk)
    if ctx.principal.fair_id is None:
        raise Forbidden("该自助机密钥没有绑定招聘会（rengang keys create --role kiosk --fair ID）",
                        code="kiosk_without_fair")
    return _fair(ctx, ctx.principal.fair_id)


_TILE_VECTORS: dict[str, dict[str, list[int]]] = {}  # model id → tile key → int8 vector; tiles are constant


def _engine_ready(engine) -> bool:
    return engine is not None and engine.readiness() == "ok"


def _tile_vectors(engine) -> dict[str, list[int]] | None:
    if not _engine_ready(engine):
        return None
    cached = _TILE_VECTORS.get(engine.model_id)
    if cached is None:
        vectors = scorer.quantize(engine.embedder.encode_queries([t.text() for t in scorer.TILES]))
        cached = {t.key: v.tolist() for t, v in zip(scorer.TILES, vectors, strict=True)}
        _TILE_VECTORS[engine.model_id] = cached
    return cached


def _job_vectors(ctx: Context, engine, ids: list[int]) -> dict[int, list[int]]:
    if not _engine_ready(engine) or not ids:
        return {}
    got, _hashes, matrix = repo.embedding_vectors(ctx.session, kind="job", model_id=engine.model_id, ids=ids)
    if len(got) == 0:
        return {}
    return {int(i): v.tolist() for i, v in zip(got, scorer.quantize(matrix), strict=True)}


def _campaign(fair: Fair) -> str | None:
    return next((text for word, text in CAMPAIGN_WORDS.items() if word in fair.name), None)


def _postings(ctx: Context, fair: Fair, engine) -> tuple[list[scorer.Posting], dict[int, dict]]:
    """The fair's open postings as the scorer sees them, and the display fields of each."""
    rows = frepo.open_fair_jobs(ctx.session, fair_id=fair.id, today=ctx.today()) if fair.status == "open" else []
    vectors = _job_vectors(ctx, engine, [job.id for job, _ in rows])
    lats = [job.lat for job, _ in rows]
    km = scorer_distances(fair, lats, [job.lon for job, _ in rows])
    postings, shown = [], {}
    catalogue = refdata.occupations()
    for (job, booth_no), dist in zip(rows, km, strict=True):
        occ = occupation_name(job.occupation_code) or ""
        body = (job.description or "")[:120]
        text = " ".join([job.title, occ, " ".join(job.skills or ()), body])
        entry = catalogue.get(job.occupation_code or "")
        tile = scorer.tile_of(job.occupation_code)
        words = scorer.posting_words(job.title, occ, entry.aliases if entry else (), tuple(job.skills or ()),
                                     tuple(tile.label.split()) if tile else (), body)
        met = posting_intents(text, work_type=job.work_type, room_board=job.room_board)
        p = scorer.Posting(
            id=job.id, title=job.title, occupation_code=job.occupation_code, employer=job.employer.name,
            booth=booth_no, salary_min=job.salary_min, salary_max=job.salary_max, work_type=job.work_type,
            room_board=job.room_board, education_min=job.education_min, km=dist,
            grams=tuple(scorer.bigrams(text)), skills=tuple(job.skills or ()), vector=vectors.get(job.id),
            occupation=occ, words=dict(words), intents=tuple(i for i in scorer.KIOSK_INTENTS if i in met))
        postings.append(p)
        shown[job.id] = {
            "display_title": display_title(job.title), "occupation_name": occ, "salary_text": scorer.salary_text(p),
            "work_type_label": WORK_TYPE_LABELS.get(WorkType(job.work_type), job.work_type),
            "education_label": EDUCATION_LABELS.get(Education(job.education_min), "") if job.education_min else "不限",
            "address": job.address or region_name(job.region_code), "headcount": job.headcount,
            "measures": scorer.measures(job.work_type),
        }
    return postings, shown


def scorer_distances(fair: Fair, lats, lons) -> list[float | None]:
    from matching.geo import haversine_km

    if fair.lat is None or fair.lon is None or not lats:
        return [None] * len(lats)
    out = []
    for lat, lon in zip(lats, lons, strict=True):
        if lat is None or lon is None:
            out.append(None)
        else:
            out.append(round(float(haversine_km(fair.lat, fair.lon, lat, lon)), 1))
    return out


def _b64(vector: list[int] | None) -> str | None:
    if vector is None:
        return None
    return base64.b64encode(bytes(v & 0xFF for v in vector)).decode()


def fair_info(fair: Fair) -> dict:
    return {"id": fair.id, "name": fair.name, "venue": fair.venue, "region_name": region_name(fair.region_code),
            "starts_on": fair.starts_on.isoformat(), "ends_on": fair.ends_on.isoformat(), "status": fair.status,
            "campaign": _campaign(fair)}


def kiosk_payload(ctx: Context, *, engine) -> dict:
    """Everything the page needs to keep matching offline: postings, signatures, int8 vectors."""
    fair = _kiosk_fair(ctx)
    postings, shown = _postings(ctx, fair, engine)
    tile_vectors = _tile_vectors(engine) if any(p.vector is not None for p in postings) else None
    vocab = scorer.vocabulary(postings)
    return {
        "fair": fair_info(fair),
        "booths": booth_map(fair, postings),
        "vocabulary": vocab,
        "known": sorted(scorer.occupation_words() - vocab.keys()),
        "intents": [{"key": i, "label": scorer.understanding.INTENT_LABELS[i], "pattern": pattern}
                    for i, pattern in scorer.intent_patterns()],
        "filler": scorer.filler_pattern(),
        "longest_word": scorer.LONGEST_WORD,
        "model_id": engine.model_id if tile_vectors else None,
        "tiles": [{"key": t.key, "label": t.label, "glyph": t.glyph, "prefixes": list(t.prefixes)}
                  for t in scorer.TILES],
        "tile_vectors": {k: _b64(v) for k, v in tile_vectors.items()} if tile_vectors else None,
        "education": scorer.EDUCATION_CHOICES,
        "work_types": scorer.WORK_TYPE_CHOICES,
        "travel": list(scorer.TRAVEL_CHOICES),
        "weights": {"tap": scorer.W_TAP, "tap_vector": scorer.W_TAP_VECTOR, "words": scorer.W_WORDS,
                    "intent": scorer.W_INTENT, "chars": scorer.W_CHARS, "char_evidence": scorer.CHAR_EVIDENCE,
                    "tap_near": scorer.W_TAP_NEAR, "short_run": scorer.SHORT_RUN,
                    "cos_floor": scorer.COS_FLOOR, "cos_span": scorer.COS_SPAN},
        "postings": [
            {"id": p.id, "title": p.title, "occupation_code": p.occupation_code, "employer": p.employer,
             "booth": p.booth, "salary_min": p.salary_min, "salary_max": p.salary_max, "work_type": p.work_type,
             "room_board": p.room_board, "education_min": p.education_min, "km": p.km, "grams": list(p.grams),
             "skills": list(p.skills), "vector": _b64(p.vector), "occupation": p.occupation,
             "words": dict(p.words), "intents": list(p.intents), **shown[p.id]}
            for p in postings
        ],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _item(s: scorer.Scored) -> dict:
    return {"id": s.posting.id, "score": round(s.score, 6), "why": " · ".join(s.reasons) or "本场在招岗位"}


def match(ctx: Context, *, engine, data: KioskMatchIn) -> dict:
    """Score the fair's postings for one visitor; count the search anonymously; store nothing typed."""
    fair = _kiosk_fair(ctx)
    postings, _shown = _postings(ctx, fair, engine)
    has_vectors = any(p.vector is not None for p in postings)
    tile_vectors = _tile_vectors(engine) if has_vectors else None
    query = scorer.Query(tiles=tuple(data.tiles), education=data.education.value if data.education else None,
                         work_type=data.work_type, room_board=data.room_board, travel_km=data.travel_km,
                         text=data.text)
    vocab = scorer.vocabulary(postings)
    result = scorer.score(postings, query, tile_vectors=tile_vectors, vocab=vocab,
                          known=scorer.occupation_words(), k=data.k)
    if fair.status == FairStatus.open:
        with ctx.transaction():
            frepo.add_counts(ctx.session, fair_id=fair.id, day=ctx.today(),
                             counts={"search": 1} | {t: 1 for t in dict.fromkeys(data.tiles)})
    return {"items": [_item(s) for s in result.items], "relaxed": [scorer.RELAX_LABELS[r] for r in result.relaxed],
            "understood": result.heard.to_plain(), "notice": result.notice(),
            "missing": [{"label": m.label, "at_fair": m.at_fair} for m in result.missing],
            "model_id": engine.model_id if tile_vectors else None, "source": "server"}


def booth_map(fair: Fair, postings: list[scorer.Posting]) -> list[dict]:
    """The fair's booths for the map, drawn from their numbers: each booth once, in hall order (row letters,
    then number), with its row, employer and the postings the page holds; the page highlights the booths
    of the jobs a visitor is shown."""
    jobs: dict[str, list[int]] = {}
    for p in postings:
        jobs.setdefault(p.booth, []).append(p.id)
    names = {row.booth: row.employer.name for row in fair.booths}
    return [{"booth": b, "row": booth_order(b)[0], "employer": names.get(b, ""), "jobs": jobs.get(b, [])}
            for b in sorted(set(names) | set(jobs), key=booth_order)]


def booth_rows(booths: list[str], highlight: set[str]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """Booth numbers grouped by hall row (A, B …) for a map, each with whether it is highlighted."""
    rows: dict[str, list[tuple[str, bool]]] = {}
    for b in sorted(set(booths), key=booth_order):
        rows.setdefault(booth_order(b)[0], []).append((b, b in highlight))
    return list(rows.items())


def booth_order(booth: str) -> tuple[str, int, str]:
    """A01 < A2 < A10 < B01: the row's letters, then the number, as the hall is laid out."""
    letters = "".join(ch for ch in booth if ch.isalpha()).upper()
    digits = "".join(ch for ch in booth if ch.isdigit())
    return letters, int(digits) if digits else 0, booth


def similar(ctx: Context, *, engine, job_id: int) -> dict:
    fair = _kiosk_fair(ctx)
    postings, _shown = _postings(ctx, fair, engine)
    if not any(p.id == job_id for p in postings):
        raise not_found("岗位")
    return {"items": [_item(s) for s in scorer.similar(postings, job_id)], "relaxed": [], "source": "server"}


def record_counts(ctx: Context, *, data: KioskCountsIn) -> None:
    """Counts gathered while the hall network was down, sent when it came back."""
    fair = _kiosk_fair(ctx)
    with ctx.transaction():
        frepo.add_counts(ctx.session, fair_id=fair.id, day=ctx.today(),
                         counts={"search": data.searches} | dict(data.tiles))


def take_away(session, *, fair_id: int, job_ids: list[int], today) -> tuple[Fair | None, list[tuple[JobPosting, str]]]:
    """The public take-away list behind a kiosk's QR code: only open postings of that fair, in the given order."""
    fair = frepo.get_fair(session, fair_id=fair_id)
    if fair is None:
        return None, []
    rows = {job.id: (job, b) for job, b in frepo.open_fair_jobs(session, fair_id=fair.id, today=today)}
    return fair, [rows[i] for i in dict.fromkeys(job_ids) if i in rows]


def take_away_map(fair: Fair, rows: list[tuple[JobPosting, str]]) -> list[tuple[str, list[tuple[str, bool]]]]:
    """The fair's booth map for the take-away page, the booths of the listed jobs highlighted."""
    return booth_rows([b.booth for b in fair.booths], {booth for _job, booth in rows})
