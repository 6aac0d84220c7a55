"""Keyword-only helpers for fair tests: a fair with booths, opened, and a kiosk key bound to it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from matching.enums import Role
from service.usecases.keys import create_key
from tests.factories import WENJIANG


def fair_payload(**overrides: Any) -> dict[str, Any]:
    today = date.today()
    return {
        "name": "2026年春风行动温江区专场招聘会",
        "venue": "温江区人力资源市场一楼大厅",
        "region_code": WENJIANG,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=2)).isoformat(),
    } | overrides


def create_fair(client, headers, *, booths: list[dict[str, Any]] = (), open_: bool = True, **overrides) -> dict:
    r = client.post("/api/v1/fairs", json=fair_payload(**overrides), headers=headers)
    assert r.status_code == 201, r.text
    fair = r.json()
    for booth in booths:
        r = client.post(f"/api/v1/fairs/{fair['id']}/employers", json=booth, headers=headers)
        assert r.status_code == 200, r.text
        fair = r.json()
    if open_:
        r = client.post(f"/api/v1/fairs/{fair['id']}/open", headers=headers)
        assert r.status_code == 200, r.text
        fair = r.json()
    return fair


def kiosk_token(app, *, fair_id: int | None) -> str:
    with app.state.session_factory() as session:
        return create_key(session, role=Role.kiosk, fair_id=fair_id, name="test kiosk")[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
