"""Employer verification from the credit code, read as its specification (GB 32100-2015 positions)."""

from __future__ import annotations

import numpy as np
import pytest

from matching.employer_checks import credit_code_findings, registering_office
from matching.identifiers import make_credit_code

RNG = np.random.default_rng(18)


def code(region: str, category: str = "91") -> str:
    return make_credit_code(RNG, region, category=category)


def keys(findings) -> set[str]:
    return {f.key for f in findings}


@pytest.mark.parametrize(("region", "office"), [("510115", "510115"), ("510100", "5101"), ("510000", "51")])
def test_the_registering_office_at_its_level(region, office):
    assert registering_office(code(region)) == office


def test_a_company_registered_where_it_works_raises_nothing():
    assert credit_code_findings(code("510115"), region_code="510115", ownership="private", size_class="small") == []
    # registered at the city's or the province's office: its districts are all "where it works"
    assert credit_code_findings(code("510100"), region_code="510115", ownership="private", size_class="small") == []


def test_registered_elsewhere_is_a_note_in_the_city_and_a_review_beyond_it():
    near = credit_code_findings(code("510107"), region_code="510115", ownership="private", size_class="small")
    assert keys(near) == {"registered_elsewhere_in_city"} and near[0].severity == "note"
    far = credit_code_findings(code("440305"), region_code="510115", ownership="private", size_class="small")
    assert keys(far) == {"registered_in_another_province"} and far[0].severity == "review"
    assert "深圳" in far[0].detail and "温江" in far[0].detail


def test_an_office_that_does_not_exist_is_flagged():
    bad = code("510115")[:2] + "999999" + code("510115")[8:]
    assert "registering_office_unknown" in keys(
        credit_code_findings(bad, region_code="510115", ownership="private", size_class="small"))


@pytest.mark.parametrize(("category", "ownership", "size", "expected"), [
    ("12", "private", "medium", {"ownership_mismatch"}),  # 事业单位 declared private
    ("12", "public_institution", "medium", set()),
    ("91", "public_institution", "large", {"ownership_mismatch"}),  # 企业 declared 机关事业单位
    ("92", "private", "large", {"size_mismatch"}),  # 个体工商户 declared large
    ("92", "private", "micro", set()),
    ("X9", "private", "small", {"credit_code_kind_unknown"}),
])
def test_the_kind_of_holder_against_what_was_declared(category, ownership, size, expected):
    assert keys(credit_code_findings(code("510115", category), region_code="510115", ownership=ownership,
                                     size_class=size)) == expected
