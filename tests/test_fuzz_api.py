"""Schemathesis over every operation of the OpenAPI document, with each role, on each database.

Each operation gets generated requests, valid and invalid, under every role (and none): no answer may be
a server error, every answer must be one the document declares, with the declared content type and a body
that matches its schema, and a request that breaks the schema must be refused. The run is derandomised
(a fixed seed per test, no example database), so CI sees the same requests every time.

Generated ids rarely name a stored record, so small generated ids are mapped onto the records this
module seeds (employers, postings, seekers with flags, referrals, a fair with booths, casework): the
fuzzer reaches the code behind the 404s, while large and negative ids still arrive as they were drawn.
``RENGANG_FUZZ_EXAMPLES`` sets the examples per operation and role (default 20).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from matching.enums import Role
from matching.identifiers import make_credit_code, make_id_number
from service.app import create_app
from service.settings import Settings
from tests.casework_helpers import contact, register
from tests.conftest import TEST_SECRET, Keys
from tests.factories import create_employer, create_job, create_seeker
from tests.fair_helpers import create_fair, kiosk_token

EXAMPLES = int(os.environ.get("RENGANG_FUZZ_EXAMPLES", "20"))
ROLES = ("admin", "app", "officer", "kiosk", "anonymous")
SENT = {"method", "url", "params", "headers", "cookies", "json", "content", "data", "files"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@dataclass
class World:
    """What the fuzzer may aim at: headers per role, and stored ids per id parameter name."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, list[int]] = field(default_factory=dict)

    def aim(self, case) -> None:
        for container in (case.path_parameters, case.query):
            if container:
                for name, value in list(container.items()):
                    container[name] = self._known(name, value)
        if isinstance(case.body, dict):
            self._aim_body(case.body)
            for item in case.body.get("items", []) if isinstance(case.body.get("items"), list) else []:
                if isinstance(item, dict):
                    self._aim_body(item)

    def _known(self, name: str, value):
        known = self.ids.get(name)
        if known and isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 1000:
            return known[value % len(known)]
        return value

    def _aim_body(self, body: dict) -> None:
        """Identifiers a generator cannot hit by chance (check digits, stored ids, coded values) become real
        ones where a string or small integer was drawn, so generated writes get past validation into the
        use-cases; values of the wrong type stay, for the negative cases."""
        rng = np.random.default_rng(len(body))
        for name, value in list(body.items()):
            if name in ("member_ids", "job_ids") and isinstance(value, list):
                body[name] = [self._known(name.removesuffix("s"), v) for v in value]
            elif name.endswith("_id") and not isinstance(value, str):
                body[name] = self._known(name, value)
            elif isinstance(value, str) and name in VALID:
                body[name] = VALID[name](rng)


VALID = {
    "credit_code": lambda rng: make_credit_code(rng, "510115"),
    "id_number": lambda rng: make_id_number(rng, "510115", date(1992, 3, 9), "female"),
    "phone": lambda rng: f"139{int(rng.integers(10**7, 10**8))}",
    "region_code": lambda rng: "510115",
    "industry_code": lambda rng: "C3130",
    "occupation_code": lambda rng: "6-30-05-01",
}


@pytest.fixture(scope="module")
def world(matching_instance) -> Iterator[World]:
    app, client = matching_instance
    limiter = app.state.limiter
    was, limiter.enabled = limiter.enabled, False  # the fuzzer sends bursts on purpose; limits have their own tests
    try:
        yield _seed(app, client)
    finally:
        limiter.enabled = was


def _seed(app, client) -> World:
    keys = Keys(app)
    admin = keys.headers(Role.admin)
    employers = [create_employer(client, admin) for _ in range(3)]
    jobs = [create_job(client, admin, employer_id=e["id"], headcount=1) for e in employers for _ in range(2)]
    seekers = [create_seeker(client, admin, flags=[{"kind": "rural_migrant"}]) for _ in range(4)]
    for s in seekers[:2]:
        register(client, admin, s["id"])
        contact(client, admin, s["id"])
    referrals = []
    for s, j in zip(seekers, jobs, strict=False):
        r = client.post("/api/v1/referrals", json={"seeker_id": s["id"], "job_id": j["id"]}, headers=admin)
        assert r.status_code == 201, r.text
        referrals.append(r.json()["id"])
    case = client.post("/api/v1/assistance", json={"seeker_id": seekers[0]["id"]}, headers=admin)
    households = client.post("/api/v1/households", headers=admin, json={
        "region_code": "510115", "label": "模糊测试户", "member_ids": [seekers[3]["id"]],
        "identified_on": (date.today() - timedelta(days=3)).isoformat()})
    fair = create_fair(client, admin, booths=[{"employer_id": employers[0]["id"], "booth": "A01"}])
    flags = [f["id"] for s in seekers for f in s["flags"]]
    return World(
        headers={
            "admin": admin, "app": keys.headers(Role.app), "officer": keys.headers(Role.officer, "51"),
            "kiosk": {"Authorization": f"Bearer {kiosk_token(app, fair_id=fair['id'])}"}, "anonymous": {},
        },
        ids={
            "employer_id": [e["id"] for e in employers], "job_id": [j["id"] for j in jobs],
            "seeker_id": [s["id"] for s in seekers], "referral_id": referrals, "flag_id": flags,
            "fair_id": [fair["id"]], "record_id": [s["id"] for s in seekers],
            "case_id": [case.json()["id"]] if case.status_code == 201 else [],
            "household_id": [households.json()["id"]] if households.status_code == 201 else [],
        },
    )


def _operation_labels() -> list[str]:
    """Every operation of the document, read from an app that is built but not started."""
    app = create_app(Settings(env="test", secret_key=TEST_SECRET, matching=False))
    return [result.ok().label for result in schemathesis.openapi.from_dict(app.openapi()).get_all_operations()]


@pytest.fixture(scope="module")
def api_schema(matching_instance):
    app, client = matching_instance
    return schemathesis.openapi.from_dict(client.get("/openapi.json").json())


@pytest.mark.parametrize("label", _operation_labels())
def test_every_operation_answers_as_documented(label, api_schema, world, matching_instance):
    _app, client = matching_instance
    checks = CHECKS if label != "GET /readyz" else [c for c in CHECKS if c is not not_a_server_error]  # 503: loading
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    requests = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=requests)
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def send(case):
        world.aim(case)
        for role in ROLES:  # the same request under every role: generating it costs more than sending it
            # Sent through the suite's own client: schemathesis's ASGI transport would start the app's lifespan
            # a second time (a second engine, limiter and sweeper on the same app state).
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=world.headers[role])
            sent = {k: v for k, v in kwargs.items() if k in SENT and v}
            if "data" in sent:  # raw bytes from the generator: httpx names them content
                sent["content"] = sent.pop("data")
            cookies = sent.pop("cookies", None)
            if cookies:  # per-request cookies are deprecated in httpx: send them as the header they become
                sent["headers"] = {**sent.get("headers", {}),
                                   "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
            response = client.request(**sent)
            case.validate_response(response, checks=checks, headers=world.headers[role], transport_kwargs=kwargs)

    send()
