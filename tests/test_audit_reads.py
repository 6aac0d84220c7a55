"""Every read of a person's data leaves an audit event naming them; the kiosk shows nobody's data at all.

The test walks every GET route the app has (``fastapi.routing.iter_route_contexts``) against one seeker who
appears everywhere (registered, contacted, on assistance, in a zero-employment household, referred to a
posting at an open fair). Each route is declared here either as a read of seeker data, with the audit action
it must write on record type "seeker" and that seeker's id, or as showing no seeker data, with the reason;
the latter must then not show the seeker's name, masked ID number, masked phone or contact notes. A route
added without a decision fails the test, and so does a declaration left behind by a removed route.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import SecretStr
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from matching.enums import Role
from matching.ranking import MatchResult
from service.engine import Ranked
from service.models import AuditEvent, JobPosting, Seeker
from tests.casework_helpers import contact, flagged_seeker, open_job, register
from tests.factories import WENJIANG, id_number
from tests.fair_helpers import bearer, create_fair, kiosk_token

# route → the audit action each GET must write, naming the seeker (record type "seeker", record id theirs)
SEEKER_READS = {
    "/api/v1/seekers": "seeker.list_read",
    "/api/v1/seekers/{seeker_id}": "seeker.read",
    "/api/v1/seekers/{seeker_id}/flags": "flag.read",
    "/api/v1/seekers/{seeker_id}/unemployment": "unemployment.read",
    "/api/v1/seekers/{seeker_id}/contacts": "contact.read",
    "/api/v1/seekers/{seeker_id}/timeline": "timeline.read",
    "/api/v1/seekers/{seeker_id}/suggested-jobs": "suggested_jobs.read",
    "/api/v1/seekers/{seeker_id}/eligibility": "eligibility.read",
    "/api/v1/seekers/{seeker_id}/matches": "seeker.match_jobs",
    "/api/v1/jobs/{job_id}/matches": "seeker.candidate_read",
    "/api/v1/caseload": "caseload.read",
    "/api/v1/assistance": "assistance.list_read",
    "/api/v1/assistance/{case_id}": "assistance.read",
    "/api/v1/households": "household.list_read",
    "/api/v1/households/{household_id}": "household.read",
    # a referral says that this person applied for that job
    "/api/v1/referrals": "referral.list_read",
    "/api/v1/referrals/{referral_id}": "referral.read",
    "/console/referrals/{referral_id}/letter": "referral.read",  # the printable 介绍信 names the person
    "/console/": "caseload.read",
    "/console/caseload": "caseload.read",
    "/console/seekers/{seeker_id}": "seeker.read",
    "/console/assistance": "assistance.list_read",
    "/console/households": "household.list_read",
    "/console/seekers": "seekers.list",
}

NO_SEEKER_DATA = {
    "/openapi.json": "the API's description", "/docs": "the API's description", "/redoc": "the API's description",
    "/docs/oauth2-redirect": "Swagger UI's login helper",
    "/healthz": "liveness", "/readyz": "readiness", "/metrics": "counters labelled by route template",
    "/api/v1/employers": "employers", "/api/v1/employers/{employer_id}": "employers",
    "/api/v1/employers/{employer_id}/eligibility": "an employer's policy measures",
    "/api/v1/jobs": "postings", "/api/v1/jobs/{job_id}": "postings",
    "/api/v1/fairs": "fairs", "/api/v1/fairs/{fair_id}": "fairs", "/api/v1/fairs/{fair_id}/jobs": "fairs",
    "/api/v1/fairs/{fair_id}/counts": "the kiosks' anonymous counts",
    "/api/v1/assistance-deadlines": "regions' deadline rules",
    "/api/v1/stats": "aggregates", "/api/v1/stats.csv": "aggregates",
    "/api/v1/stats/trend": "aggregates by month", "/api/v1/stats/districts": "aggregates by county",
    # admin only, ids and actions without the data (seeker.delete keeps only ids); auditing its reads would
    # write into the trail being read
    "/api/v1/audit": "the audit trail itself",
    "/console/static/{name}": "the console's script and stylesheet", "/console/login": "the login form",
    "/console/stats": "aggregates", "/console/stats.csv": "aggregates",
    "/console/search": "the search form (a search is a post, audited in tests/test_console_search.py)",
    "/api/v1/accounts": "officer accounts (admin only)",
    "/kiosk/static/{name}": "the kiosk's scripts", "/kiosk/setup": "the set-up form",
    "/kiosk/": "the fair's postings", "/kiosk/api/fair": "the fair's postings",
    "/kiosk/api/similar/{job_id}": "the fair's postings", "/kiosk/take/{fair_id}": "public postings",
}

NOTE = "审计走查：电话联系，本人希望白班"
METRICS_TOKEN = "metrics-token-for-the-audit-walk-0123456789"


def _get_routes(app) -> set[str]:
    return {r.path for r in iter_route_contexts(app.routes) if "GET" in (r.methods or ())}


def test_every_get_route_has_a_decision(app):
    routes = _get_routes(app)
    assert not SEEKER_READS.keys() & NO_SEEKER_DATA.keys()
    assert routes - SEEKER_READS.keys() - NO_SEEKER_DATA.keys() == set(), "new GET routes: declare them here"
    assert (SEEKER_READS.keys() | NO_SEEKER_DATA.keys()) - routes == set(), "declared routes that are gone"


@pytest.fixture()
def world(client, admin, app):
    """One seeker in every list, and the records that point at them."""
    today = date.today()
    seeker = flagged_seeker(client, admin, "hard_to_employ", name="审计走查人", id_number=id_number())
    sid = seeker["id"]
    register(client, admin, sid, started_on=today - timedelta(days=60))
    contact(client, admin, sid, notes=NOTE, contacted_on=(today - timedelta(days=45)).isoformat())
    case = client.post("/api/v1/assistance", json={"seeker_id": sid}, headers=admin)
    household = client.post("/api/v1/households", json={"region_code": WENJIANG, "label": "走查家庭", "member_ids": [sid]},
                            headers=admin)
    job = open_job(client, admin)
    referral = client.post("/api/v1/referrals", json={"seeker_id": sid, "job_id": job["id"]}, headers=admin)
    assert case.status_code == household.status_code == referral.status_code == 201, (case.text, household.text)
    fair = create_fair(client, admin, booths=[{"employer_id": job["employer_id"], "booth": "A01"}])
    params = {"seeker_id": sid, "job_id": job["id"], "referral_id": referral.json()["id"], "case_id": case.json()["id"],
              "household_id": household.json()["id"], "employer_id": job["employer_id"], "fair_id": fair["id"]}
    marks = [m for m in (seeker["name"], seeker["id_number"], seeker["phone"], NOTE) if m]
    assert len(marks) == 4, seeker
    return {"seeker": seeker, "params": params, "marks": marks, "kiosk": kiosk_token(app, fair_id=fair["id"])}


def _shown(text: str, marks: list[str]) -> list[str]:
    return [m for m in marks if m in text or json.dumps(m)[1:-1] in text]


class _FakeEngine:
    """The matching engine's two person queries, answering with the world's posting and seeker."""

    model_id = "fake"

    def __init__(self, *, job_id: int, seeker_id: int):
        self.job_id, self.seeker_id = job_id, seeker_id

    def readiness(self) -> str:
        return "ok"

    def _one(self, kind: str, record) -> Ranked:
        from matching.records import decode_card
        from service.facts import job_facts, seeker_facts
        from service.presenters import job_card, seeker_card

        card = (job_card(record, job_facts(record)) if kind == "job"
                else seeker_card(record, seeker_facts(record)))
        return Ranked(kind=kind, results=[MatchResult(id=record.id, score=1.0, fit=1.0, boost=0.0, components={})],
                      cards={record.id: decode_card(card)}, eligible=1, model_id=self.model_id, took_ms=0.0,
                      now=datetime.now(UTC))

    def jobs_for_seeker(self, session, seeker, *, filters, k, scope_prefix) -> Ranked:
        return self._one("job", session.get(JobPosting, self.job_id))

    def candidates_for_job(self, session, job, *, filters, k, scope_prefix) -> Ranked:
        return self._one("seeker", session.get(Seeker, self.seeker_id))


def _url(path: str, params: dict[str, int]) -> str:
    name = "console.css" if path.startswith("/console/") else "kiosk.js"
    return path.format(name=name, **params)


def _query(path: str) -> dict[str, str]:
    if path.startswith("/api/v1/stats"):
        return {"start": (date.today() - timedelta(days=90)).isoformat(), "end": date.today().isoformat()}
    return {}


def _events_since(app, last_id: int) -> list[AuditEvent]:
    with app.state.session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)))


def _last_event_id(app) -> int:
    with app.state.session_factory() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def _sign_in(client, keys, kiosk_token_: str) -> None:
    """A console session (officer of the seeker's city) and a kiosk session, side by side in one client."""
    client.cookies.clear()
    token = keys.headers(Role.officer, region="5101")["Authorization"].removeprefix("Bearer ")
    origin = {"Origin": "http://testserver"}
    assert client.post("/console/login", data={"key": token}, headers=origin, follow_redirects=False).status_code == 303
    assert client.post("/kiosk/setup", data={"key": kiosk_token_}, headers=origin,
                       follow_redirects=False).status_code == 303


def test_every_read_of_seeker_data_is_audited_and_nothing_else_shows_it(app, client, admin, keys, world, monkeypatch):
    seeker_id, params, marks = world["seeker"]["id"], world["params"], world["marks"]
    # the test client's address is no private network's
    monkeypatch.setattr(app.state.settings, "metrics_token", SecretStr(METRICS_TOKEN))
    _sign_in(client, keys, world["kiosk"])
    unaudited, leaking, failed = [], [], []
    try:
        for path in sorted(_get_routes(app)):
            headers = admin if path.startswith("/api/v1/") else {}
            if path == "/metrics":
                headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            since = _last_event_id(app)
            if path.endswith("/matches"):
                app.state.matcher = _FakeEngine(job_id=params["job_id"], seeker_id=seeker_id)
            try:
                r = client.get(_url(path, params), params=_query(path), headers=headers, follow_redirects=False)
            finally:
                app.state.matcher = None
            if r.status_code != 200:
                failed.append((path, r.status_code, r.text[:200]))
                continue
            if path in SEEKER_READS:
                named = {e.action for e in _events_since(app, since)
                         if e.record_type == "seeker" and e.record_id == seeker_id}
                if SEEKER_READS[path] not in named:
                    unaudited.append((path, SEEKER_READS[path], sorted(named)))
            elif _shown(r.text, marks):
                leaking.append((path, _shown(r.text, marks)))
    finally:
        client.cookies.clear()
    assert failed == [], "every GET route should answer the walk"
    assert unaudited == [], "reads of seeker data without an audit event naming the seeker"
    assert leaking == [], "routes declared free of seeker data that show it"


def test_a_kiosk_key_reads_no_seeker_data_anywhere(app, client, world):
    kiosk, params = bearer(world["kiosk"]), world["params"]
    app.state.matcher = _FakeEngine(job_id=params["job_id"], seeker_id=params["seeker_id"])
    try:
        for path in sorted(p for p in SEEKER_READS if p.startswith("/api/v1/")):
            r = client.get(_url(path, params), headers=kiosk)
            assert r.status_code in (403, 404), (path, r.status_code)
            assert _shown(r.text, world["marks"]) == [], path
    finally:
        app.state.matcher = None
