"""The reason codes the library can give, kept by hand so translations cannot miss one.

A test scans the source for every code a :class:`~resocialize.rules.Reason` is built with
(literal codes, and the codes built with f-strings, expanded here) and fails when one is
not listed, so a new code cannot be added without its translations.

>>> "consent.missing" in REASON_CODES, "need.housing" in REASON_CODES
(True, True)
>>> sorted(OPEN_FAMILIES)
['prerequisite', 'template']
"""

from __future__ import annotations

from typing import Final

from resocialize.assessment import LifeDomain
from resocialize.reviews import ReviewTrigger

__all__ = ["OPEN_FAMILIES", "REASON_CODES"]

_LITERAL: Final = (
    # access
    "access.field_not_permitted",
    "access.no_identifying_permission",
    "access.no_target",
    "access.not_own_center",
    "access.not_own_department",
    "access.not_own_order",
    "access.not_own_patient",
    "access.not_own_referral",
    "access.role_not_permitted",
    # allocation
    "allocation.duplicate_choice",
    "allocation.full",
    "allocation.unknown_program",
    # case
    "case.closed",
    # center
    "center.already_applied",
    "center.missing",
    "center.no_free_place",
    "center.no_program_for_stage",
    "center.no_stage_iii_program",
    "center.not_applied",
    "center.not_in_register",
    "center.not_qualified",
    "center.unchanged",
    # certificate
    "certificate.active_exists",
    "certificate.expired",
    "certificate.id_taken",
    "certificate.inactive",
    "certificate.missing",
    "certificate.not_active",
    "certificate.not_placed",
    "certificate.not_valid",
    "certificate.not_yet_valid",
    "certificate.other_client",
    "certificate.placed_elsewhere",
    "certificate.still_valid",
    "certificate.unknown",
    # certification
    "certification.invalid",
    "certification.not_required",
    "certification.valid",
    # choice
    "choice.fewer_than_two",
    "choice.not_of_the_day",
    "choice.not_offered",
    "choice.other_center",
    # claim
    "claim.above_balance",
    "claim.above_tranche",
    "claim.already_paid",
    "claim.not_contracted_center",
    "claim.nothing_due",
    "claim.other_certificate",
    "claim.other_client",
    "claim.service_in_future",
    # client
    "client.already_enrolled",
    "client.merged",
    "client.not_enrolled",
    "client.not_referred",
    "client.purged",
    "client.unknown",
    # co_dependents
    "co_dependents.take_part",
    # consent
    "consent.after_enrolment",
    "consent.already_given",
    "consent.already_withdrawn",
    "consent.missing",
    "consent.not_renewed",
    # contract
    "contract.missing",
    "contract.not_signed",
    "contract.other_center",
    "contract.other_certificate",
    "contract.other_client",
    "contract.signs_for_another",
    "contract.terminated",
    "contract.unsigned",
    "contract.wrong_center",
    "contract.wrong_certificate",
    "contract.wrong_client",
    # decision
    "decision.why_missing",
    # disclosure
    "disclosure.complementary",
    "disclosure.small_count",
    # effectiveness
    "effectiveness.below_minimum",
    "effectiveness.met",
    "effectiveness.too_few_graduates",
    # enrolment
    "enrolment.other_client",
    "enrolment.overlaps",
    # facts
    "facts.missing",
    # findings
    "findings.none_overdue",
    "findings.none_unresolved",
    "findings.overdue",
    "findings.unresolved",
    # fits
    "fits.age",
    "fits.free_places",
    "fits.in_register",
    "fits.municipality",
    "fits.qualified",
    "fits.setting",
    "fits.stage",
    "fits.state_center",
    # follow_up
    "follow_up.recorded",
    # funding
    "funding.above_face_value",
    "funding.commitment_not_face_value",
    "funding.not_committed",
    "funding.not_released",
    "funding.paid_twice",
    "funding.paid_uncontracted",
    "funding.payments_disagree",
    # identity
    "identity.other_client",
    # journal
    "journal.bad_digest",
    "journal.before_last_entry",
    "journal.edited",
    "journal.inserted",
    "journal.removed",
    "journal.reordered",
    "journal.truncated",
    "journal.version_conflict",
    # ledger
    "ledger.above_commitment",
    "ledger.already_committed",
    "ledger.already_released",
    "ledger.balances_differ",
    "ledger.commitment_released",
    "ledger.empty_transaction",
    "ledger.illegal_posting",
    "ledger.insufficient_funds",
    "ledger.misnumbered",
    "ledger.negative_balance",
    "ledger.not_conserved",
    "ledger.out_of_order",
    "ledger.source_exists",
    "ledger.unknown_certificate",
    "ledger.unknown_source",
    # licence
    "licence.in_force",
    "licence.missing",
    "licence.not_required",
    # match
    "match.already_hired",
    "match.closed",
    "match.education",
    "match.excluded_feature",
    "match.full",
    "match.interest",
    "match.local",
    "match.municipality",
    "match.quota",
    "match.quota_used_up",
    "match.quota_year",
    "match.relocation",
    "match.reserved",
    "match.skills",
    "match.skills_missing",
    "match.trains",
    # milestone
    "milestone.not_reached",
    # minor
    "minor.state_center_required",
    # origin
    "origin.stage_iii_required",
    # ownership
    "ownership.allowed",
    "ownership.not_allowed",
    "ownership.not_applicable",
    # party
    "party.already_signed",
    "party.unknown",
    # places
    "places.sufficient",
    "places.too_few",
    # plan
    "plan.assessment_after_start",
    "plan.no_co_dependents",
    "plan.no_intervention",
    "plan.no_phase",
    "plan.other_client",
    "plan.prerequisite_unplanned",
    "plan.released_before_start",
    "plan.unavailable",
    # potential
    "potential.capital",
    "potential.contemplating",
    "potential.critical_domain",
    "potential.many_high_needs",
    "potential.needs_manageable",
    "potential.not_ready",
    "potential.ready",
    "potential.very_weak_capital",
    "potential.weak_capital",
    # program
    "profile.other_client",
    "program.minimum_age",
    "program.missing",
    "program.no_free_place",
    "program.other_setting",
    # program_length
    "program_length.no_program",
    "program_length.out_of_bounds",
    "program_length.within_bounds",
    # qualification
    "qualification.empty",
    "qualification.failed",
    "qualification.missing",
    "qualification.premature",
    "qualification.stale",
    "qualification.wrong_center",
    # quality
    "quality.billing_complaint_upheld",
    "quality.complaint_resolved",
    "quality.complaint_unanswered",
    "quality.critical_finding",
    "quality.failed_audit",
    "quality.upheld_complaints",
    # quota
    "quota.other_employer",
    "quota.unknown",
    # remission
    "remission.too_early",
    # review
    "review.before_program",
    "review.goal_regressed",
    "review.not_current",
    "review.out_of_order",
    "review.scheduled",
    "review.unknown_goal",
    # revision
    "revision.before_current",
    "revision.other_program",
    "revision.version",
    # signature
    "signature.before_concluded",
    # situation
    "situation.minor",
    # split
    "split.not_face_value",
    "split.wrong_currency",
    # staff
    "staff.insufficient",
    "staff.sufficient",
    # store
    "store.state_mismatch",
    "store.state_missing",
    "store.version_conflict",
    # system
    "system.case_exists",
    "system.claim_exists",
    "system.contract_exists",
    "system.no_funding",
    "system.unknown_center",
    "system.unknown_claim",
    "system.unknown_contract",
    "system.unknown_case",
    # tariff
    "tariff.milestone_not_paid",
    "tariff.no_dropout_rule",
    # time
    "time.before_last_decision",
    "time.before_last_event",
    # transfer
    "transfer.same_center",
    # transition
    "transition.not_allowed",
    # vacancy
    "vacancy.unknown",
    # validity
    "validity.reversed",
)
"""The codes written out literally in the source."""

_BUILT: Final = (
    # planning: the need an activity meets, and the assessment's finding behind a goal
    *(f"need.{domain.value}" for domain in LifeDomain),
    *(f"finding.{domain.value}" for domain in LifeDomain),
    # reviews: what triggers a review of the program
    *(f"review.{trigger.value}" for trigger in ReviewTrigger),
    # reports: figures withheld for resting on too few people
    "disclosure.few_spells",
    "disclosure.few_follow_ups",
    "disclosure.few_certificates",
    # labour: an item the book holds already
    "vacancy.duplicate",
    "quota.duplicate",
    "incentive.duplicate",
    # testing strategies of the register: a criterion met or not
    "criterion.met",
    "criterion.unmet",
)
"""The codes built with f-strings, expanded to every value they take."""

REASON_CODES: Final = frozenset(_LITERAL + _BUILT)
"""Every concrete reason code of the library."""

OPEN_FAMILIES: Final = frozenset({"prerequisite", "template"})
"""Code families whose last part is data (an intervention code, a route and its goal):
``prerequisite.<intervention>`` and ``template.<route>.<goal>``. One message per family
(key ``reason.<family>.*``) serves every member."""
