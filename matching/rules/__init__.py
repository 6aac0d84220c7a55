"""Policy engine: employment subsidies and measures (就业补贴政策) as data, evaluated against facts.

Each deployment region has one YAML file under ``matching/policies/rules/`` (format: docs/policy-rules.md).
A file's rules apply where a seeker's or employer's region code starts with the file's region prefix
(``510115`` 温江区; ``220000`` → ``22`` 吉林省; ``000000`` → every region), so a county file and a
provincial file can both apply to one place.

The package keeps apart the types (:mod:`.model`: facts in, rules, outcomes out), the rule files
(:mod:`.loader`) and the evaluation (:mod:`.evaluate`). Three questions, all pure functions over plain
dataclasses:

* ``evaluate_seeker``  — measures a seeker can claim on their own (创业补贴, 创业担保贷款 …);
* ``evaluate_employer`` — measures an employer can claim on its own (稳岗返还 …);
* ``evaluate_hire``    — measures a given hire would trigger (吸纳就业补贴, 见习补贴 …),
  and ``unlocked_by_hire`` — what hiring this seeker would bring the employer (政策找人).

Every outcome lists each condition, met or not, with a Chinese label, so a page can say why.
Conditions that no fact here can decide (``to_verify``: "生活困难", "稳定就业" …) are listed for the
officer and never counted as met or unmet.
"""

from __future__ import annotations

from matching.rules.evaluate import (
    evaluate_employer,
    evaluate_hire,
    evaluate_seeker,
    unlocked_by_hire,
)
from matching.rules.loader import (
    load_rules,
)
from matching.rules.model import (
    Amount,
    AppliesTo,
    ConditionResult,
    EmployerConditions,
    EmployerPolicyFacts,
    HUKOU_LABELS,
    HireConditions,
    HireFacts,
    OWNERSHIP_LABELS,
    Pays,
    RULES_DIR,
    Range,
    Rule,
    RuleFileError,
    RuleOutcome,
    RuleSet,
    SeekerConditions,
    SeekerPolicyFacts,
    Source,
    UNIT_LABELS,
    Unit,
    region_prefix,
)

__all__ = [
    "Amount",
    "AppliesTo",
    "ConditionResult",
    "EmployerConditions",
    "EmployerPolicyFacts",
    "HUKOU_LABELS",
    "HireConditions",
    "HireFacts",
    "OWNERSHIP_LABELS",
    "Pays",
    "RULES_DIR",
    "Range",
    "Rule",
    "RuleFileError",
    "RuleOutcome",
    "RuleSet",
    "SeekerConditions",
    "SeekerPolicyFacts",
    "Source",
    "UNIT_LABELS",
    "Unit",
    "evaluate_employer",
    "evaluate_hire",
    "evaluate_seeker",
    "load_rules",
    "region_prefix",
    "unlocked_by_hire",
]
