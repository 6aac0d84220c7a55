"""When a posting is open: one rule, and its SQL and column forms agree with it on every combination."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
from sqlalchemy import select

from matching import postings
from matching.enums import JobStatus
from matching.facts import JobColumns
from service import repository as repo
from service.models import JobPosting
from tests.factories import create_employer, create_job

TODAY = date(2026, 6, 15)
STATUSES = [s.value for s in JobStatus]
DATES = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]
PLACES = [(None, 0), (3, 0), (3, 2), (3, 3), (1, 5)]


def test_the_rule():
    assert postings.is_open("open", None, TODAY) and postings.is_open("open", TODAY, TODAY)
    assert not postings.is_open("open", TODAY - timedelta(days=1), TODAY)
    assert not postings.is_open("closed", None, TODAY)
    assert postings.effective_status("open", TODAY - timedelta(days=1), TODAY) == "expired"
    assert postings.effective_status(JobStatus.filled, None, TODAY) == "filled"
    assert postings.places_left(None, 4) is None and postings.places_left(3, 5) == 0
    assert not postings.is_matchable("open", None, 2, 2, TODAY)
    assert postings.is_matchable("open", TODAY, None, 10, TODAY)


def test_the_filter_columns_follow_the_rule():
    from tests.test_eligibility import random_job

    rng = np.random.default_rng(4)
    facts, expected = [], {}
    for i, (status, until, (headcount, hired)) in enumerate(itertools.product(STATUSES, DATES, PLACES)):
        f = random_job(rng, id=i + 1, status=JobStatus(status), valid_until=until, headcount=headcount,
                       hired_count=hired)
        facts.append(f)
        expected[f.id] = postings.is_matchable(status, until, headcount, hired, TODAY)
    columns = JobColumns.from_facts(facts)
    got = dict(zip(columns.ids.tolist(), columns.open_mask(TODAY).tolist(), strict=True))
    assert got == expected


def test_the_sql_form_follows_the_rule(app, client, admin):
    employer = create_employer(client, admin)
    cases = [(status, until, headcount, hired)
             for status, until, (headcount, hired) in itertools.product(STATUSES, DATES, PLACES)
             if headcount is not None]  # the table requires a headcount
    ids = [create_job(client, admin, employer_id=employer["id"], title=f"状态岗位{i}", headcount=c[2])["id"]
           for i, c in enumerate(cases)]
    with app.state.session_factory() as session:
        for job_id, (status, until, _headcount, hired) in zip(ids, cases, strict=True):
            row = session.get(JobPosting, job_id)
            row.status, row.valid_until, row.hired_count = status, until, hired
        session.commit()
        found = set(session.scalars(select(JobPosting.id).where(JobPosting.id.in_(ids),
                                                                repo.matchable_postings(TODAY))))
    expected = {i for i, c in zip(ids, cases, strict=True) if postings.is_matchable(*c, TODAY)}
    assert found == expected and 0 < len(found) < len(ids)
