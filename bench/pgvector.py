"""pgvector in PostgreSQL as a peer of the engine's whole query path: same postings, same seekers, same scopes.

Issue 15 asks for the engine's full path at or below pgvector's p50 on every scope, the baseline being "pgvector
in PostgreSQL with a B-tree on region, each query planned with its values". :func:`run_pgvector` measures that
baseline on the bench's synthetic postings:

* the server: a throwaway PostgreSQL with pgvector started by the ``pgserver`` package (``bench`` extra; it
  bundles PostgreSQL and pgvector binaries) in a temporary directory, or, when ``RENGANG_PGVECTOR_URL`` is set,
  that server (a table of ours is created in it and dropped after). Versions are read from the server.
* the table: one row a posting (id, ``vector(d)``, region, city = region // 100, province = region // 10,000,
  work type, pay, open / valid until, education, age limits, room and board), loaded with a binary ``COPY``
  built with numpy, B-tree indexes on region, city and province, ``VACUUM ANALYZE``.
* the queries: for each scope, the same anchor seekers the engine bench asks (seeker facts from
  :func:`bench.data.seeker_facts` with the scope's overrides, :data:`bench.engine_bench.SCOPES`), one at a time:
  ``SELECT id FROM jobs WHERE <hard filters> ORDER BY embedding <=> $v LIMIT 10``. Values are bound server-side
  and psycopg never prepares the statement (``prepare_threshold=None``), so PostgreSQL plans every query with
  its values (a custom plan for each). The ``WHERE`` is the engine's hard filters for that seeker and scope
  (:func:`matching.eligibility.eligible_jobs_mask`), translated to SQL: open and not expired (a place left is in
  ``is_open``, as in the engine's columns), region scope, work type (the scope's, else the seeker's desired
  ones), the salary floor (unknown pay passes), education, age, and the reserved posts (公益性 / 见习) the
  seeker does not qualify for. So the SQL returns the same eligible set the engine ranks; what it does not do is
  the engine's lexical scores, rerank and explanations.
* exact first ("B-tree + exact sort", no vector index): latency p50/p95/p99 (client round trip over the Unix
  socket or loopback, planning included; the query vectors are formatted as pgvector text beforehand), and
  recall@10 against numpy exact top-10 over the same predicate (a found id tying the 10th true score within
  float rounding counts, as in the engine bench; rows outside the predicate are counted separately).
* then HNSW (m = 16, ef_construction = 64, ``vector_cosine_ops``): build time and size, ``hnsw.ef_search``
  tuned like the other peers (smallest from 40, ×1.5 a step, whose unfiltered recall@10 reaches the target),
  each scope again; and with ``hnsw.iterative_scan = relaxed_order`` where the pgvector version has it (0.8+).
  The planner chooses per query between the HNSW index and the B-tree; the plans it chose are tallied.

Settings: ``max_parallel_workers_per_gather = 0`` by default (the engine searches on one thread a query, and
concurrent queries share the cores); a server we start gets ``shared_buffers`` of 1 GB (the table and its
indexes stay in PostgreSQL's own cache, as on a tuned server; the default 128 MB is smaller than the table at
100k postings). Every setting that matters is returned with the figures.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from bench.data import Anchors, SyntheticJobs, seeker_facts
from bench.engine_bench import SCOPES, WARMUP, _exact, _recall_exact, percentiles
from matching.codes import UNKNOWN, region_int
from matching.eligibility import MatchFilters, internship_basis, public_welfare_basis
from matching.enums import WorkType
from matching.facts import WORK_TYPE_CODE, SeekerFacts, age_on, as_day, ymd
from matching.geo import ANYWHERE, ScopeKind, desired_ranges
from matching.priority import default_policy

K = 10
URL_ENV = "RENGANG_PGVECTOR_URL"
TABLE = "rengang_pgvector_jobs"
DEFAULT_SCOPES = ("desired (default)", "county", "city", "city + full-time + salary ≥ 5000", "province",
                  "no region filter")
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64
EF_START, EF_MAX = 40, 1000  # pgvector's default hnsw.ef_search and its ceiling
APPLIED_FILTERS = ("open (status open, a place left, valid_until ≥ today)", "region scope",
                   "work type (the scope's, else the seeker's desired ones)", "salary floor (unknown pay passes)",
                   "education", "age", "reserved posts (公益性岗位 / 见习岗位)", "room and board (when asked)")
NOT_APPLIED = ("radius scopes (no coordinates in the table)",
               "the engine's lexical scores, rerank and explanations (not filters: work the engine does on top)")
_COLUMNS = ("id", "embedding", "region", "city", "province", "work_type", "pay", "is_open", "valid_until",
            "education", "age_min", "age_max", "room_board")


# --- the hard filters, once for SQL and once for numpy ---------------------------------------------

@dataclass(frozen=True)
class Predicate:
    """The engine's hard filters for one seeker and scope, in a form both SQL and numpy can apply."""

    today: int  # yyyymmdd
    region_column: str | None = None  # region / city / province: equal to region_value
    region_value: int = 0
    region_ranges: tuple[tuple[int, int], ...] = ()  # desired scope: inclusive region-code ranges
    empty: bool = False  # a scope around a home the seeker has not given: nothing is in it
    work_in: tuple[int, ...] | None = None
    work_not_in: tuple[int, ...] = ()
    salary_floor: float | None = None
    education: int = UNKNOWN  # the seeker's level (rank); UNKNOWN: only postings without a minimum
    age: int | None = None
    room_board: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        parts, params = ["is_open", "valid_until >= %s"], [self.today]
        if self.empty:
            parts.append("false")
        elif self.region_column:
            parts.append(f"{self.region_column} = %s")
            params.append(self.region_value)
        elif self.region_ranges:
            parts.append("(" + " OR ".join("region BETWEEN %s AND %s" for _ in self.region_ranges) + ")")
            params += [v for r in self.region_ranges for v in r]
        if self.work_in is not None:
            parts.append(f"work_type IN ({', '.join('%s' for _ in self.work_in)})")
            params += list(self.work_in)
        if self.work_not_in:
            parts.append(f"work_type NOT IN ({', '.join('%s' for _ in self.work_not_in)})")
            params += list(self.work_not_in)
        if self.room_board:
            parts.append("room_board")
        if self.salary_floor is not None:
            parts.append("(pay IS NULL OR pay >= %s)")
            params.append(float(self.salary_floor))
        if self.education == UNKNOWN:
            parts.append("education = -1")
        else:
            parts.append("education <= %s")
            params.append(self.education)
        if self.age is None:
            parts.append("age_min = -1 AND age_max = -1")
        else:
            parts.append("age_min <= %s AND (age_max = -1 OR age_max >= %s)")
            params += [self.age, self.age]
        return " AND ".join(parts), params

    def mask(self, t: dict[str, np.ndarray]) -> np.ndarray:
        ok = t["is_open"] & (t["valid_until"] >= self.today)
        if self.empty:
            ok &= False
        elif self.region_column:
            ok &= t[self.region_column] == self.region_value
        elif self.region_ranges:
            ok &= np.logical_or.reduce([(t["region"] >= lo) & (t["region"] <= hi) for lo, hi in self.region_ranges])
        if self.work_in is not None:
            ok &= np.isin(t["work_type"], self.work_in)
        if self.work_not_in:
            ok &= ~np.isin(t["work_type"], self.work_not_in)
        if self.room_board:
            ok &= t["room_board"]
        if self.salary_floor is not None:
            ok &= np.isnan(t["pay"]) | (t["pay"] >= self.salary_floor)
        ok &= (t["education"] == UNKNOWN) if self.education == UNKNOWN else (t["education"] <= self.education)
        if self.age is None:
            ok &= (t["age_min"] == UNKNOWN) & (t["age_max"] == UNKNOWN)
        else:
            ok &= (t["age_min"] <= self.age) & ((t["age_max"] == UNKNOWN) | (t["age_max"] >= self.age))
        return ok


class NotInSql(ValueError):
    """A scope this table cannot express (a radius)."""


def predicate(seeker: SeekerFacts, options: MatchFilters, today: date) -> Predicate:
    """:func:`matching.eligibility.eligible_jobs_mask`'s filters for this seeker, as a :class:`Predicate`."""
    today = as_day(today)
    kind = options.region.kind
    region: dict[str, Any] = {}
    if kind == ScopeKind.desired:
        ranges = desired_ranges(seeker)
        region = {} if ANYWHERE in ranges else {"region_ranges": tuple(ranges)}
    elif kind in (ScopeKind.county, ScopeKind.city, ScopeKind.province):
        home = region_int(seeker.region_code)
        column, divisor = {ScopeKind.county: ("region", 1), ScopeKind.city: ("city", 100),
                           ScopeKind.province: ("province", 10_000)}[kind]
        region = {"empty": True} if home == UNKNOWN else {"region_column": column, "region_value": home // divisor}
    elif kind != ScopeKind.anywhere:
        raise NotInSql(f"scope {kind.value} is not expressed in SQL here")
    allowed = options.work_types if options.work_types is not None else seeker.desired_work_types
    reserved = []
    now = options.now if options.now is not None else today
    if public_welfare_basis(seeker, now, options.public_welfare_kinds) is None:
        reserved.append(WorkType.public_welfare)
    if internship_basis(seeker, today) is None:
        reserved.append(WorkType.internship)
    return Predicate(
        today=ymd(today), **region,
        work_in=tuple(sorted({WORK_TYPE_CODE[w] for w in allowed})) if allowed else None,
        work_not_in=tuple(sorted(WORK_TYPE_CODE[w] for w in reserved)),
        salary_floor=seeker.desired_salary_min,
        education=UNKNOWN if seeker.education is None else seeker.education.rank,
        age=age_on(seeker.birth_date, today), room_board=options.room_board)


def job_table(jobs: SyntheticJobs) -> dict[str, np.ndarray]:
    """The engine's columns for the postings, in id order (row i is id i + 1, as ``jobs.vectors``)."""
    c = jobs.columns
    rows = np.flatnonzero(c.alive)
    rows = rows[np.argsort(c.ids[rows], kind="stable")]
    ids = c.ids[rows].astype(np.int64)
    if not np.array_equal(ids, jobs.ids):
        raise ValueError("the columns do not hold exactly the postings 1..n")
    region = c.region[rows].astype(np.int32)
    return {"id": ids, "region": region,
            "city": np.where(region >= 0, region // 100, UNKNOWN).astype(np.int32),
            "province": np.where(region >= 0, region // 10_000, UNKNOWN).astype(np.int32),
            "work_type": c.work_type[rows].astype(np.int16), "pay": c.pay[rows].astype(np.float32),
            "is_open": c.is_open[rows].astype(bool), "valid_until": c.valid_until[rows].astype(np.int32),
            "education": c.education[rows].astype(np.int16), "age_min": c.age_min[rows].astype(np.int16),
            "age_max": c.age_max[rows].astype(np.int16), "room_board": c.room_board[rows].astype(bool)}


# --- loading ----------------------------------------------------------------------------------------

def _copy_records(t: dict[str, np.ndarray], vectors: np.ndarray, rows: np.ndarray, pay_known: bool) -> bytes:
    """Rows of a binary COPY stream (PostgreSQL's format; a vector is int16 dim, int16 0, float4 × dim)."""
    d = vectors.shape[1]
    fixed = [("id", ">i8"), ("region", ">i4"), ("city", ">i4"), ("province", ">i4"), ("work_type", ">i2"),
             ("pay", ">f4"), ("is_open", "u1"), ("valid_until", ">i4"), ("education", ">i2"), ("age_min", ">i2"),
             ("age_max", ">i2"), ("room_board", "u1")]
    sizes = {name: np.dtype(code).itemsize for name, code in fixed}
    fields: list[tuple[Any, ...]] = [("nfields", ">i2")]
    for name in _COLUMNS:
        fields.append((f"{name}_len", ">i4"))
        if name == "embedding":
            fields += [("dim", ">i2"), ("unused", ">i2"), ("embedding", ">f4", (d,))]
        elif name != "pay" or pay_known:
            fields.append((name, dict(fixed)[name]))
    out = np.zeros(len(rows), np.dtype(fields))
    out["nfields"] = len(_COLUMNS)
    for name in _COLUMNS:
        if name == "embedding":
            out["embedding_len"], out["dim"], out["embedding"] = 4 + 4 * d, d, vectors[rows]
        elif name == "pay" and not pay_known:
            out["pay_len"] = -1  # NULL
        else:
            out[f"{name}_len"] = sizes[name]
            out[name] = t[name][rows]
    return out.tobytes()


def load_table(conn: Any, t: dict[str, np.ndarray], vectors: np.ndarray, *, batch: int = 20_000) -> None:
    d = vectors.shape[1]
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"""CREATE TABLE {TABLE} (id bigint NOT NULL, embedding vector({d}) NOT NULL, region int NOT NULL,
        city int NOT NULL, province int NOT NULL, work_type smallint NOT NULL, pay real, is_open boolean NOT NULL,
        valid_until int NOT NULL, education smallint NOT NULL, age_min smallint NOT NULL, age_max smallint NOT NULL,
        room_board boolean NOT NULL)""")
    known = ~np.isnan(t["pay"])
    with conn.cursor() as cur, cur.copy(f"COPY {TABLE} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for pay_known in (True, False):
            rows = np.flatnonzero(known == pay_known)
            for start in range(0, len(rows), batch):
                copy.write(_copy_records(t, vectors, rows[start:start + batch], pay_known))
        copy.write(struct.pack(">h", -1))
    for column in ("region", "city", "province"):
        conn.execute(f"CREATE INDEX {TABLE}_{column} ON {TABLE} ({column})")
    conn.execute(f"VACUUM ANALYZE {TABLE}")


# --- the server -------------------------------------------------------------------------------------

@contextlib.contextmanager
def _server(url: str | None, shared_buffers: str | None, log: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    if url:
        yield {"url": url, "started_by": f"${URL_ENV} (an existing server)"}
        return
    import pgserver

    tmp = Path(tempfile.mkdtemp(prefix="rengang-pgvector-"))
    pgdata = tmp / "pgdata"
    server = None
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        if shared_buffers:  # needs a restart: set it, stop (the last handle), start again on the same data
            import psycopg

            with psycopg.connect(server.get_uri(), autocommit=True) as conn:
                conn.execute(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}'")
            server.cleanup()
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        log(f"pgvector: PostgreSQL started by pgserver in {pgdata}")
        yield {"url": server.get_uri(), "started_by": f"pgserver {_version('pgserver')} (a throwaway server)"}
    finally:
        if server is not None:
            try:
                server.cleanup()
            except Exception as e:  # in a finally: raising would hide the error that got us here, so say it
                log(f"pgvector: could not stop the PostgreSQL pgserver started in {pgdata} ({e!r}); "
                    f"stop it by hand: pg_ctl -D {pgdata} stop")
        shutil.rmtree(tmp, ignore_errors=True)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def missing(url: str | None = None) -> str:
    """Why pgvector cannot be measured here, or empty."""
    try:
        import psycopg  # noqa: F401
    except ImportError as e:
        return f"psycopg is not installed ({e})"
    if url:
        return ""
    try:
        import pgserver  # noqa: F401
    except ImportError as e:
        return f"pgserver is not installed ({e}); pip install -e '.[bench]' or set {URL_ENV}"
    return ""


# --- measuring ----------------------------------------------------------------------------------------

def _vector_text(v: np.ndarray) -> str:
    # float32 → float64 → shortest repr: PostgreSQL's strtof reads back the same float32
    return "[" + ",".join(map(repr, v.astype(np.float64).tolist())) + "]"


def _plan_shape(node: dict[str, Any]) -> str:
    """'Limit → Sort → Bitmap Heap Scan → Bitmap Index Scan (region)': the plan's chain of nodes."""
    steps = []
    while node:
        name = node["Node Type"]
        if "Index Name" in node:
            name += f" ({node['Index Name'].removeprefix(TABLE + '_')})"
        steps.append(name)
        children = node.get("Plans") or []
        node = children[0] if len(children) == 1 else None
        if len(children) > 1:
            steps.append("[" + " + ".join(_plan_shape(c) for c in children) + "]")
    return " → ".join(steps)


@dataclass
class _Query:
    seeker: int
    where: str
    params: list[Any]
    allowed: np.ndarray  # sorted ids that satisfy the predicate
    vector: np.ndarray
    text: str


def _queries(jobs: SyntheticJobs, anchors: Anchors, table: dict[str, np.ndarray], scope: str,
             picks: np.ndarray) -> list[_Query]:
    filters, overrides = SCOPES[scope]
    options = replace(default_policy().filters(), region=filters.region, work_types=filters.work_types)
    out = []
    for q in picks.tolist():
        seeker = replace(seeker_facts(anchors, q), **overrides)
        p = predicate(seeker, options, anchors.today)
        where, params = p.sql()
        vector = anchors.seeker_vectors[q]
        out.append(_Query(q, where, params, table["id"][p.mask(table)], vector, _vector_text(vector)))
    return out


def _sql(where: str) -> str:
    return f"SELECT id FROM {TABLE} WHERE {where} ORDER BY embedding <=> %s::vector LIMIT {K}"


def _measure(conn: Any, jobs: SyntheticJobs, queries: list[_Query], truth: list[np.ndarray],
             budget_s: float | None, explain: int = 20) -> dict[str, Any]:
    with conn.cursor() as cur:
        for q in queries[:WARMUP]:
            cur.execute(_sql(q.where), [*q.params, q.text]).fetchall()
        times, found = [], []
        started = time.perf_counter()
        for q in queries:
            if budget_s is not None and time.perf_counter() - started > budget_s:
                break
            t0 = time.perf_counter()
            rows = cur.execute(_sql(q.where), [*q.params, q.text]).fetchall()
            times.append(time.perf_counter() - t0)
            found.append(np.array([r[0] for r in rows] + [-1] * (K - len(rows)), np.int64))
        plans: Counter[str] = Counter()
        for q in queries[:explain]:
            plan = cur.execute("EXPLAIN (FORMAT JSON) " + _sql(q.where), [*q.params, q.text]).fetchone()[0]
            plans[_plan_shape(plan[0]["Plan"])] += 1
    recalls, exact, outside, short = [], 0, 0, 0
    for q, got, want in zip(queries, found, truth, strict=False):
        recalls.append(_recall_exact(jobs.vectors, got, want, q.vector))
        exact += bool(np.array_equal(got, want))
        outside += int((~np.isin(got[got >= 0], q.allowed)).sum())
        short += int((got >= 0).sum() < min(K, len(q.allowed)))
    return {**percentiles(times), "recall_at_10": round(float(np.mean(recalls)), 4),
            "same_top10_share": round(exact / max(1, len(found)), 4), "rows_outside_predicate": outside,
            "short_answers": short, "queries_measured": len(found), "plans": dict(plans.most_common())}


def _sizes(conn: Any, n: int) -> dict[str, Any]:
    def size(expr: str) -> int:
        return int(conn.execute(f"SELECT {expr}").fetchone()[0])

    table = size(f"pg_table_size('{TABLE}')")  # heap, TOAST, free-space and visibility maps
    btree = {c: size(f"pg_relation_size('{TABLE}_{c}')") for c in ("region", "city", "province")}
    return {"table_bytes": table, "btree_bytes": btree, "table_bytes_per_vector": round(table / n, 1),
            "btree_bytes_per_vector": round(sum(btree.values()) / n, 1),
            "heap_bytes_per_vector": round(size(f"pg_relation_size('{TABLE}')") / n, 1)}


def _settings(conn: Any, names: Sequence[str]) -> dict[str, str]:
    values = {name: conn.execute("SELECT current_setting(%s, true)", [name]).fetchone()[0] for name in names}
    return {name: value for name, value in values.items() if value is not None}  # None: no such setting here


def run_pgvector(jobs: SyntheticJobs, anchors: Anchors, *, queries: int = 200,
                 scopes: Sequence[str] = DEFAULT_SCOPES, budget_s: float | None = None, hnsw: bool = True,
                 url: str | None = None, parallel_workers: int = 0, shared_buffers: str | None = "1GB",
                 target_recall: float = 0.97, seed: int = 15,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    """pgvector on ``jobs`` for the engine bench's seekers and scopes (see the module docstring).

    ``budget_s`` caps the seconds of each (method, scope) query pass (``queries_measured`` says how many ran);
    ``url`` (default ``$RENGANG_PGVECTOR_URL``) names a server to use instead of starting one.
    Returns ``{"skipped": reason}`` when neither pgserver nor a server URL is available.
    """
    url = url or os.environ.get(URL_ENV) or None
    reason = missing(url)
    if reason:
        return {"skipped": reason}
    import psycopg

    n, d = jobs.vectors.shape
    picks = np.random.default_rng(seed).integers(0, len(anchors.seekers), queries)
    out: dict[str, Any] = {"n": n, "dim": d, "k": K, "queries": queries}
    started_all = time.perf_counter()
    with _server(url, shared_buffers, log) as server:
        out["server"] = {"started_by": server["started_by"]}
        with psycopg.connect(server["url"], autocommit=True, prepare_threshold=None) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            out["server"].update({
                "postgresql": conn.execute("SELECT current_setting('server_version')").fetchone()[0],
                "pgvector": conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0],
                "psycopg": psycopg.__version__})
            conn.execute(f"SET max_parallel_workers_per_gather = {int(parallel_workers)}")
            conn.execute("SET jit = off")
            out["settings"] = _settings(conn, ("shared_buffers", "work_mem", "max_parallel_workers_per_gather",
                                               "jit", "random_page_cost", "effective_cache_size"))
            out["query"] = {
                "sql": _sql("<hard filters>").replace(TABLE, "jobs"),
                "binding": "server-side, never prepared (psycopg prepare_threshold=None): planned with each query's "
                           "values", "filters_applied": list(APPLIED_FILTERS), "filters_not_applied": list(NOT_APPLIED),
                "seekers": f"{queries} draws (seed {seed}) from the {len(anchors.seekers)} anchor seekers, as the "
                           "engine bench draws them", "latency": "client round trip, planning included, one at a time"}
            log(f"pgvector {out['server']['pgvector']} in PostgreSQL {out['server']['postgresql']}: loading {n:,} "
                "postings")
            table = job_table(jobs)
            try:
                started = time.perf_counter()
                load_table(conn, table, jobs.vectors)
                out["load_s"] = round(time.perf_counter() - started, 2)
                out["memory"] = _sizes(conn, n)
                asked = _exact_pass(conn, jobs, anchors, table, picks, scopes, out, budget_s, log)
                if hnsw:
                    out["hnsw"] = _hnsw(conn, jobs, anchors, picks, asked, out, budget_s, target_recall, log)
            finally:  # a server of someone else's keeps nothing of ours
                conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    out["wall_s"] = round(time.perf_counter() - started_all, 1)
    return out


def _exact_pass(conn: Any, jobs: SyntheticJobs, anchors: Anchors, table: dict[str, np.ndarray], picks: np.ndarray,
                scopes: Sequence[str], out: dict[str, Any], budget_s: float | None,
                log: Callable[[str], None]) -> dict[str, tuple[list[_Query], list[np.ndarray]]]:
    """B-tree + exact sort on every scope; returns each scope's queries and exact truth for the HNSW pass."""
    asked: dict[str, tuple[list[_Query], list[np.ndarray]]] = {}
    out["scopes"] = {}
    for scope in scopes:
        try:
            qs = _queries(jobs, anchors, table, scope, picks)
        except NotInSql as e:
            out["scopes"][scope] = {"skipped": str(e)}
            continue
        asked[scope] = (qs, [_exact(jobs.vectors, q.allowed, q.vector, K) for q in qs])
        out["scopes"][scope] = {"eligible_mean": round(float(np.mean([len(q.allowed) for q in qs])), 1)}
    log(f"pgvector: B-tree + exact sort, {len(asked)} scopes × {len(picks)} queries")
    for scope, (qs, truth) in asked.items():
        out["scopes"][scope]["exact"] = _measure(conn, jobs, qs, truth, budget_s)
    return asked


def _hnsw(conn: Any, jobs: SyntheticJobs, anchors: Anchors, picks: np.ndarray,
          asked: dict[str, tuple[list[_Query], list[np.ndarray]]], out: dict[str, Any], budget_s: float | None,
          target_recall: float, log: Callable[[str], None]) -> dict[str, Any]:
    n = len(jobs.ids)
    conn.execute("SET maintenance_work_mem = '2GB'")  # the graph is built in memory, not spilled
    log(f"pgvector: building HNSW (m={HNSW_M}, ef_construction={HNSW_EF_CONSTRUCTION})")
    started = time.perf_counter()
    conn.execute(f"CREATE INDEX {TABLE}_hnsw ON {TABLE} USING hnsw (embedding vector_cosine_ops) "
                 f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    build_s = time.perf_counter() - started
    conn.execute(f"ANALYZE {TABLE}")
    size = int(conn.execute(f"SELECT pg_relation_size('{TABLE}_hnsw')").fetchone()[0])
    result: dict[str, Any] = {
        "m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "build_s": round(build_s, 2), "index_bytes": size,
        "index_bytes_per_vector": round(size / n, 1),
        "build_settings": _settings(conn, ("maintenance_work_mem", "max_parallel_maintenance_workers"))}
    # ef_search: the smallest from pgvector's default 40 (×1.5 a step) reaching the target on unfiltered queries
    vectors = anchors.seeker_vectors[picks]
    texts = [_vector_text(v) for v in vectors]
    truth = [_exact(jobs.vectors, jobs.ids, v, K) for v in vectors]
    ef, tried = EF_START, {}
    with conn.cursor() as cur:
        while True:
            cur.execute(f"SET hnsw.ef_search = {ef}")
            got = [np.array([r[0] for r in cur.execute(f"SELECT id FROM {TABLE} ORDER BY embedding <=> %s::vector "
                                                       f"LIMIT {K}", [t]).fetchall()] + [-1] * K, np.int64)[:K]
                   for t in texts]
            tried[ef] = round(float(np.mean([_recall_exact(jobs.vectors, g, w, v)
                                             for g, w, v in zip(got, truth, vectors, strict=True)])), 4)
            if tried[ef] >= target_recall or ef >= EF_MAX:
                break
            ef = min(EF_MAX, int(np.ceil(ef * 1.5)))
    result.update({"ef_search": ef, "target_recall": target_recall, "unfiltered_recall": tried[ef],
                   "unfiltered_recall_by_ef": tried})
    iterative = _settings(conn, ("hnsw.iterative_scan",))
    variants = {"hnsw": {"hnsw.ef_search": str(ef)}}
    if iterative:
        variants["hnsw + iterative scan"] = {"hnsw.ef_search": str(ef), "hnsw.iterative_scan": "relaxed_order"}
        result["iterative_scan_settings"] = _settings(conn, ("hnsw.max_scan_tuples", "hnsw.scan_mem_multiplier"))
    else:
        result["iterative_scan"] = f"not measured: pgvector {out['server']['pgvector']} has no hnsw.iterative_scan " \
                                   "(added in 0.8.0)"
    result["variants"] = {}
    for name, settings in variants.items():
        log(f"pgvector: {name} ({', '.join(f'{k}={v}' for k, v in settings.items())})")
        for key, value in settings.items():
            conn.execute(f"SET {key} = '{value}'")
        result["variants"][name] = {"settings": settings, "scopes": {
            scope: _measure(conn, jobs, qs, truth_, budget_s) for scope, (qs, truth_) in asked.items()}}
        for key in settings:
            conn.execute(f"RESET {key}")
    return result


