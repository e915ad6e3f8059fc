"""The proposal's state machine: each mutation type's steps, who (role and agency) may take each transition
and who is refused, which states allow it, and what a transition records."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.mutation.domain.mutation_types import MutationType
from services.mutation.domain.workflow import (
    PLATFORM,
    Action,
    Actor,
    Initiator,
    OnBehalf,
    Placement,
    Proposal,
    State,
    authorise_proposer,
    steps_of,
)
from shared.errors import Conflict, Forbidden, InvalidInput

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NIP = "198503122010011001"
ORIGIN, TARGET, PROVINCE = "7605", "7602", "7600"


def actor(name: str, *roles: str, agencies: tuple[str, ...] | None = (), nip: str | None = None) -> Actor:
    return Actor(name, frozenset(roles), None if agencies is None else frozenset(agencies), nip)


HR_TARGET = actor("hr-target", "hr_officer", agencies=(TARGET,))
HR_ORIGIN = actor("hr-origin", "hr_officer", agencies=(ORIGIN,))
HR_ELSEWHERE = actor("hr-elsewhere", "hr_officer", agencies=("9999",))
APPROVER_ORIGIN = actor("ppk-origin", "approver", agencies=(ORIGIN,))
APPROVER_TARGET = actor("ppk-target", "approver", agencies=(TARGET,))
APPROVER_ELSEWHERE = actor("ppk-elsewhere", "approver", agencies=("9999",))
GOVERNOR = actor("gubernur", "approver", agencies=(PROVINCE,))
REVIEWER = actor("kanreg-bkn", "bkn_reviewer", agencies=(TARGET,))
REVIEWER_ELSEWHERE = actor("bkn-elsewhere", "bkn_reviewer", agencies=("9999",))
ADMIN = actor("bkn-admin", "admin", agencies=None)
EMPLOYEE = actor("andi", "employee", nip=NIP)
OTHER_EMPLOYEE = actor("sari", "employee", nip="199001012015012001")
AUDITOR = actor("auditor", "auditor", agencies=None)
EVERYONE = [
    HR_TARGET,
    HR_ORIGIN,
    HR_ELSEWHERE,
    APPROVER_ORIGIN,
    APPROVER_TARGET,
    APPROVER_ELSEWHERE,
    GOVERNOR,
    REVIEWER,
    REVIEWER_ELSEWHERE,
    ADMIN,
    EMPLOYEE,
    OTHER_EMPLOYEE,
    AUDITOR,
]


def proposal(
    mutation_type: MutationType = MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
    *,
    state: State = State.DRAFT,
    initiator: Initiator = Initiator.AGENCY,
) -> Proposal:
    origin = ORIGIN if mutation_type is not MutationType.WITHIN_AGENCY else TARGET
    return Proposal(
        id=uuid4(),
        nip=NIP,
        employee_name="Andi",
        mutation_type=mutation_type,
        initiator=initiator,
        origin=Placement(origin, "unit-1", "pos-1"),
        target=Placement(TARGET, "unit-2", "pos-2"),
        target_province_code=PROVINCE,
        reason="Pemerataan pegawai",
        created_at=NOW,
        created_by="hr-target",
        state=state,
    )


# (type, state before, action, who may, state after)
STEPS = [
    (MutationType.BETWEEN_REGENCIES_IN_PROVINCE, State.SUBMITTED, Action.VERIFY, [HR_TARGET], State.VERIFIED),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.VERIFIED,
        Action.RELEASE,
        [APPROVER_ORIGIN],
        State.ORIGIN_RELEASED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.ORIGIN_RELEASED,
        Action.ACCEPT,
        [APPROVER_TARGET],
        State.DESTINATION_ACCEPTED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.DESTINATION_ACCEPTED,
        Action.REVIEW,
        [REVIEWER],
        State.TECHNICALLY_REVIEWED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.TECHNICALLY_REVIEWED,
        Action.ISSUE_DECREE,
        [GOVERNOR, ADMIN],
        State.DECREE_ISSUED,
    ),
    (
        MutationType.BETWEEN_PROVINCES,
        State.TECHNICALLY_REVIEWED,
        Action.ISSUE_DECREE,
        [ADMIN],
        State.DECREE_ISSUED,
    ),
    (
        MutationType.REGIONAL_CENTRAL,
        State.TECHNICALLY_REVIEWED,
        Action.ISSUE_DECREE,
        [ADMIN],
        State.DECREE_ISSUED,
    ),
    (
        MutationType.BETWEEN_CENTRAL,
        State.DESTINATION_ACCEPTED,
        Action.REVIEW,
        [REVIEWER],
        State.TECHNICALLY_REVIEWED,
    ),
    (MutationType.ABROAD, State.TECHNICALLY_REVIEWED, Action.ISSUE_DECREE, [ADMIN], State.DECREE_ISSUED),
    (MutationType.WITHIN_AGENCY, State.SUBMITTED, Action.VERIFY, [HR_TARGET], State.VERIFIED),
    (
        MutationType.WITHIN_AGENCY,
        State.VERIFIED,
        Action.ACCEPT,
        [APPROVER_TARGET],
        State.DESTINATION_ACCEPTED,
    ),
    (
        MutationType.WITHIN_AGENCY,
        State.DESTINATION_ACCEPTED,
        Action.ISSUE_DECREE,
        [APPROVER_TARGET],
        State.DECREE_ISSUED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.DRAFT,
        Action.SUBMIT,
        [HR_TARGET, HR_ORIGIN],
        State.SUBMITTED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.RETURNED,
        Action.SUBMIT,
        [HR_TARGET, HR_ORIGIN],
        State.SUBMITTED,
    ),
    (MutationType.BETWEEN_REGENCIES_IN_PROVINCE, State.SUBMITTED, Action.RETURN, [HR_TARGET], State.RETURNED),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.VERIFIED,
        Action.RETURN,
        [HR_TARGET, APPROVER_ORIGIN],
        State.RETURNED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.DESTINATION_ACCEPTED,
        Action.RETURN,
        [HR_TARGET, REVIEWER],
        State.RETURNED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.SUBMITTED,
        Action.REJECT,
        [APPROVER_ORIGIN, APPROVER_TARGET, ADMIN],
        State.REJECTED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.DESTINATION_ACCEPTED,
        Action.REJECT,
        [APPROVER_ORIGIN, APPROVER_TARGET, ADMIN, REVIEWER],
        State.REJECTED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.TECHNICALLY_REVIEWED,
        Action.REJECT,
        [APPROVER_ORIGIN, APPROVER_TARGET, ADMIN, GOVERNOR],
        State.REJECTED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.VERIFIED,
        Action.WITHDRAW,
        [HR_TARGET, HR_ORIGIN],
        State.WITHDRAWN,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.DRAFT,
        Action.CANCEL,
        [APPROVER_TARGET, ADMIN],
        State.CANCELLED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.FAILED,
        Action.CANCEL,
        [APPROVER_TARGET, ADMIN],
        State.CANCELLED,
    ),
    (
        MutationType.BETWEEN_REGENCIES_IN_PROVINCE,
        State.FAILED,
        Action.RETRY,
        [HR_TARGET, APPROVER_TARGET, ADMIN],
        State.EFFECTIVE,
    ),
]


def _id(step) -> str:
    return f"{step[0].value}-{step[1].value}-{step[2].value}"


@pytest.mark.parametrize(
    ("mutation_type", "before", "action", "allowed", "after"), STEPS, ids=[_id(s) for s in STEPS]
)
def test_each_transition_is_taken_by_its_role_and_agency_and_refused_to_everyone_else(
    mutation_type, before, action, allowed, after
):
    for who in EVERYONE:
        p = proposal(mutation_type, state=before)
        if who in allowed:
            happened = p.transition(action, who, at=NOW, reason="alasan")
            assert (happened.from_state, happened.to_state, p.state) == (before, after, after)
            assert happened.actor == who.subject and happened.at == NOW and happened.reason == "alasan"
            assert p.version == 2 and p.events == [happened]
        else:
            with pytest.raises(Forbidden):
                p.transition(action, who, at=NOW, reason="alasan")
            assert p.state is before and p.version == 1


def test_the_steps_of_each_type():
    assert [s.action for s in steps_of(MutationType.WITHIN_AGENCY)] == [
        Action.VERIFY,
        Action.ACCEPT,
        Action.ISSUE_DECREE,
    ]
    for cross in set(MutationType) - {MutationType.WITHIN_AGENCY}:
        assert [s.action for s in steps_of(cross)] == [
            Action.VERIFY,
            Action.RELEASE,
            Action.ACCEPT,
            Action.REVIEW,
            Action.ISSUE_DECREE,
        ]


def test_a_whole_cross_regency_flow_then_the_platform_steps():
    p = proposal()
    for action, who in [
        (Action.SUBMIT, HR_TARGET),
        (Action.VERIFY, HR_TARGET),
        (Action.RELEASE, APPROVER_ORIGIN),
        (Action.ACCEPT, APPROVER_TARGET),
        (Action.REVIEW, REVIEWER),
        (Action.ISSUE_DECREE, GOVERNOR),
        (Action.MAKE_EFFECTIVE, PLATFORM),
        (Action.COMPLETE, PLATFORM),
    ]:
        p.transition(action, who, at=NOW)
    assert p.state is State.COMPLETED and p.state.is_final
    assert [e.to_state for e in p.events][-3:] == [State.DECREE_ISSUED, State.EFFECTIVE, State.COMPLETED]


@pytest.mark.parametrize(
    ("before", "action"),
    [
        (State.DRAFT, Action.VERIFY),
        (State.SUBMITTED, Action.RELEASE),
        (State.VERIFIED, Action.ACCEPT),
        (State.ORIGIN_RELEASED, Action.ISSUE_DECREE),
        (State.VERIFIED, Action.SUBMIT),
        (State.DECREE_ISSUED, Action.REJECT),
        (State.DECREE_ISSUED, Action.WITHDRAW),
        (State.COMPLETED, Action.CANCEL),
        (State.REJECTED, Action.SUBMIT),
        (State.EFFECTIVE, Action.RETRY),
    ],
)
def test_a_step_out_of_turn_is_refused_even_to_someone_holding_every_role(before, action):
    p = proposal(state=before)
    with pytest.raises(Conflict) as refused:
        p.transition(
            action,
            replace(
                PLATFORM,
                system=False,
                roles=frozenset({"hr_officer", "approver", "bkn_reviewer", "admin"}),
                nip=NIP,
            ),
            at=NOW,
            reason="x",
        )
    assert refused.value.code == "invalid-transition"
    assert p.state is before


def test_platform_steps_are_the_platforms_alone():
    for action, before in [
        (Action.MAKE_EFFECTIVE, State.DECREE_ISSUED),
        (Action.COMPLETE, State.EFFECTIVE),
        (Action.FAIL, State.EFFECTIVE),
    ]:
        for who in EVERYONE:
            with pytest.raises(Forbidden):
                proposal(state=before).transition(action, who, at=NOW, reason="x")
        p = proposal(state=before)
        p.transition(action, PLATFORM, at=NOW, reason="pensiun")
        assert p.state in (State.EFFECTIVE, State.COMPLETED, State.FAILED)
    failed = proposal(state=State.EFFECTIVE)
    failed.transition(Action.FAIL, PLATFORM, at=NOW, reason="the employee retired")
    assert failed.failure_reason == "the employee retired"


def test_a_self_requested_move_is_submitted_and_withdrawn_by_the_employee():
    p = proposal(initiator=Initiator.SELF_REQUEST)
    with pytest.raises(Forbidden):
        p.transition(Action.SUBMIT, OTHER_EMPLOYEE, at=NOW)
    p.transition(Action.SUBMIT, EMPLOYEE, at=NOW)
    assert p.state is State.SUBMITTED
    p.transition(Action.WITHDRAW, EMPLOYEE, at=NOW, reason="tidak jadi")
    assert p.state is State.WITHDRAWN
    agency_made = proposal(initiator=Initiator.AGENCY)
    with pytest.raises(Forbidden):
        agency_made.transition(Action.SUBMIT, EMPLOYEE, at=NOW)


def test_refusals_need_a_reason():
    for action, who in [
        (Action.RETURN, HR_TARGET),
        (Action.REJECT, ADMIN),
        (Action.WITHDRAW, HR_TARGET),
        (Action.CANCEL, ADMIN),
    ]:
        p = proposal(state=State.SUBMITTED)
        with pytest.raises(Conflict) as refused:
            p.transition(action, who, at=NOW)
        assert refused.value.code == "reason-required"


def test_verification_starts_the_sla_clock_and_a_return_stops_it():
    p = proposal(state=State.SUBMITTED)
    p.transition(Action.VERIFY, HR_TARGET, at=NOW, sla_days=15)
    assert p.due_at == NOW + timedelta(days=15)
    assert not p.overdue(NOW + timedelta(days=14)) and p.overdue(NOW + timedelta(days=16))
    p.transition(Action.RETURN, HR_TARGET, at=NOW, reason="SK pangkat belum ada")
    assert p.due_at is None and not p.overdue(NOW + timedelta(days=30))
    p.transition(Action.SUBMIT, HR_TARGET, at=NOW)
    p.transition(Action.VERIFY, HR_TARGET, at=NOW + timedelta(days=2), sla_days=10)
    assert p.due_at == NOW + timedelta(days=12)
    for action, who in [
        (Action.RELEASE, APPROVER_ORIGIN),
        (Action.ACCEPT, APPROVER_TARGET),
        (Action.REVIEW, REVIEWER),
        (Action.ISSUE_DECREE, GOVERNOR),
    ]:
        p.transition(action, who, at=NOW + timedelta(days=20))
    assert p.decided_at == NOW + timedelta(days=20) and not p.overdue(NOW + timedelta(days=40))


def test_a_decreed_mutation_is_cancelled_only_by_revoking_its_decree():
    p = proposal(state=State.DECREE_ISSUED)
    with pytest.raises(Conflict) as refused:
        p.transition(Action.CANCEL, ADMIN, at=NOW, reason="dibatalkan")
    assert refused.value.code == "decree-in-force"
    p.transition(Action.CANCEL, ADMIN, at=NOW, reason="SK dicabut", decree_revoked=True)
    assert p.state is State.CANCELLED


def test_an_open_objection_holds_the_approvals_until_answered():
    p = proposal(state=State.VERIFIED)
    with pytest.raises(Forbidden):
        p.respond(OTHER_EMPLOYEE, "objected", at=NOW)
    p.respond(EMPLOYEE, "objected", at=NOW)
    assert p.open_objections == 1 and p.employee_response == "objected"
    with pytest.raises(Conflict) as held:
        p.transition(Action.RELEASE, APPROVER_ORIGIN, at=NOW)
    assert held.value.code == "objection-open"
    with pytest.raises(Forbidden):
        p.answer_objection(HR_TARGET, "dismissed", at=NOW, note="x")
    assert p.answer_objection(APPROVER_TARGET, "dismissed", at=NOW, note="Kebutuhan organisasi") is None
    p.transition(Action.RELEASE, APPROVER_ORIGIN, at=NOW)
    assert p.state is State.ORIGIN_RELEASED


def test_an_upheld_objection_rejects_the_proposal():
    p = proposal(state=State.SUBMITTED)
    p.respond(EMPLOYEE, "objected", at=NOW)
    happened = p.answer_objection(APPROVER_ORIGIN, "upheld", at=NOW, note="Alasan keluarga")
    assert happened is not None and p.state is State.REJECTED and p.open_objections == 0
    with pytest.raises(Conflict):
        p.answer_objection(APPROVER_ORIGIN, "upheld", at=NOW, note="again")


def test_the_employee_responds_only_while_the_agencies_decide():
    with pytest.raises(Conflict):
        proposal(state=State.DRAFT).respond(EMPLOYEE, "accepted", at=NOW)
    with pytest.raises(Conflict):
        proposal(state=State.DECREE_ISSUED).respond(EMPLOYEE, "accepted", at=NOW)
    with pytest.raises(Conflict):
        proposal(state=State.SUBMITTED, initiator=Initiator.SELF_REQUEST).respond(
            EMPLOYEE, "accepted", at=NOW
        )
    p = proposal(state=State.SUBMITTED)
    p.respond(EMPLOYEE, "accepted", at=NOW)
    assert p.employee_response == "accepted" and p.open_objections == 0


def test_overrides_are_for_approvers_of_either_agency():
    p = proposal(state=State.SUBMITTED)
    for who in (APPROVER_ORIGIN, APPROVER_TARGET, ADMIN):
        p.authorise_override(who)
    for who in (HR_TARGET, HR_ORIGIN, REVIEWER, EMPLOYEE, APPROVER_ELSEWHERE):
        with pytest.raises(Forbidden):
            p.authorise_override(who)
    with pytest.raises(Conflict):
        proposal(state=State.DECREE_ISSUED).authorise_override(ADMIN)


def test_who_may_propose():
    for who in (HR_TARGET, HR_ORIGIN, HR_ELSEWHERE, ADMIN):
        authorise_proposer(who, Initiator.AGENCY, NIP)
    for who in (APPROVER_TARGET, EMPLOYEE, REVIEWER, AUDITOR):
        with pytest.raises(Forbidden):
            authorise_proposer(who, Initiator.AGENCY, NIP)
    authorise_proposer(EMPLOYEE, Initiator.SELF_REQUEST, NIP)
    authorise_proposer(HR_ORIGIN, Initiator.SELF_REQUEST, NIP, on_behalf_reason=LETTER)
    for who in (OTHER_EMPLOYEE, ADMIN):
        with pytest.raises(Forbidden):
            authorise_proposer(who, Initiator.SELF_REQUEST, NIP, on_behalf_reason=LETTER)


LETTER = "Surat permohonan pegawai diterima di loket"


def _fields(refusal: pytest.ExceptionInfo) -> set[str | None]:
    return {problem.field for problem in refusal.value.errors}


def test_a_self_request_is_the_employees_own_or_entered_for_them_saying_why():
    assert authorise_proposer(EMPLOYEE, Initiator.SELF_REQUEST, NIP) is None
    entered = authorise_proposer(HR_TARGET, Initiator.SELF_REQUEST, NIP, on_behalf_reason=LETTER)
    assert entered == OnBehalf(of=NIP, reason=LETTER)
    with pytest.raises(Forbidden) as silent:
        authorise_proposer(HR_ORIGIN, Initiator.SELF_REQUEST, NIP)
    assert silent.value.code == "acting-as-someone-else" and _fields(silent) == {"nip", "on_behalf_reason"}
    for who in (OTHER_EMPLOYEE, ADMIN, APPROVER_TARGET, AUDITOR):
        with pytest.raises(Forbidden) as posing:
            authorise_proposer(who, Initiator.SELF_REQUEST, NIP, on_behalf_reason=LETTER)
        assert posing.value.code == "acting-as-someone-else" and _fields(posing) == {"nip"}
    # Nobody to enter it for: the employee's own request, or the agency's own proposal.
    for who, initiator in ((EMPLOYEE, Initiator.SELF_REQUEST), (HR_TARGET, Initiator.AGENCY)):
        with pytest.raises(InvalidInput) as needless:
            authorise_proposer(who, initiator, NIP, on_behalf_reason=LETTER)
        assert _fields(needless) == {"on_behalf_reason"}


def test_the_receiving_agency_proposes_for_a_person_of_any_agency():
    # Peraturan BKN 5/2019 Pasal 3: the receiving PPK proposes, naming its own position.
    for initiator in (Initiator.AGENCY, Initiator.PLACEMENT_PLAN):
        assert proposal(initiator=initiator).within_proposer_scope(HR_TARGET)
        assert proposal(initiator=initiator).within_proposer_scope(ADMIN)
        assert not proposal(initiator=initiator).within_proposer_scope(HR_ORIGIN)
        assert not proposal(initiator=initiator).within_proposer_scope(HR_ELSEWHERE)
    request = proposal(initiator=Initiator.SELF_REQUEST)
    assert all(request.within_proposer_scope(who) for who in (EMPLOYEE, HR_ORIGIN, HR_TARGET))
    assert not request.within_proposer_scope(HR_ELSEWHERE)


def test_who_sees_a_proposal():
    p = proposal()
    assert all(
        p.authorise_view(who) for who in (HR_TARGET, HR_ORIGIN, APPROVER_ORIGIN, ADMIN, EMPLOYEE, AUDITOR)
    )
    assert not any(p.authorise_view(who) for who in (HR_ELSEWHERE, OTHER_EMPLOYEE, REVIEWER_ELSEWHERE))


def test_the_actions_offered_to_each_caller():
    p = proposal(state=State.VERIFIED)
    assert p.available_actions(APPROVER_ORIGIN) == [Action.RETURN, Action.RELEASE, Action.REJECT]
    assert Action.VERIFY not in p.available_actions(HR_TARGET)
    assert p.available_actions(EMPLOYEE) == []
    assert p.next_step().action is Action.RELEASE
