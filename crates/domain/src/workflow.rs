//! The approval engine's rules (M4): a flow is a list of steps, each decided
//! by someone the step names; a decision moves the request on. Separation of
//! duties lives here: a requester never decides their own request, and a
//! step marked `distinct` needs someone who decided no earlier step.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Role;
use crate::policy::PolicyDocument;

/// Who decides a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "role")]
pub enum Approver {
    /// Any holder of a company-wide role (社長, 事務局, …).
    Role(Role),
    /// The holder of a departmental role for the requester's department
    /// (部門長, 情報セキュリティ担当者).
    DepartmentRole(Role),
    /// The committee, deciding in a meeting (委員会で審議・承認).
    Committee,
}

/// One step of a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDef {
    pub key: &'static str,
    pub approver: Approver,
    /// Must be decided by someone who decided no earlier step.
    pub distinct: bool,
}

/// A kind of request and its steps, defined in code by the module that owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowDef {
    pub kind: &'static str,
    /// Prefix of the readable number (`EXC` → EXC-2026-0007).
    pub prefix: &'static str,
    pub steps: Vec<StepDef>,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting on the current step's approver.
    InReview,
    /// Sent back to the requester for rework (差戻し).
    Returned,
    Approved,
    Rejected,
    Withdrawn,
}

impl RequestState {
    pub fn id(self) -> &'static str {
        match self {
            RequestState::InReview => "in_review",
            RequestState::Returned => "returned",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<RequestState> {
        [
            RequestState::InReview,
            RequestState::Returned,
            RequestState::Approved,
            RequestState::Rejected,
            RequestState::Withdrawn,
        ]
        .into_iter()
        .find(|r| r.id() == s)
    }
    pub fn is_open(self) -> bool {
        matches!(self, RequestState::InReview | RequestState::Returned)
    }
}

/// What an approver decides on a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    /// 差戻し: back to the requester for rework.
    Return,
}

impl Decision {
    pub fn id(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Return => "return",
        }
    }
    pub fn parse(s: &str) -> Option<Decision> {
        [Decision::Approve, Decision::Reject, Decision::Return]
            .into_iter()
            .find(|d| d.id() == s)
    }
}

/// The result of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// On to this step.
    NextStep(usize),
    Approved,
    Rejected,
    Returned,
}

impl Outcome {
    pub fn state(self) -> RequestState {
        match self {
            Outcome::NextStep(_) => RequestState::InReview,
            Outcome::Approved => RequestState::Approved,
            Outcome::Rejected => RequestState::Rejected,
            Outcome::Returned => RequestState::Returned,
        }
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("not_in_review")]
    NotInReview,
    #[error("own_request")]
    OwnRequest,
    #[error("not_approver")]
    NotApprover,
    #[error("same_person_twice")]
    SamePersonTwice,
    #[error("committee_decides")]
    CommitteeDecides,
}

impl FlowError {
    pub fn code(self) -> &'static str {
        match self {
            FlowError::NotInReview => "not_in_review",
            FlowError::OwnRequest => "own_request",
            FlowError::NotApprover => "not_approver",
            FlowError::SamePersonTwice => "same_person_twice",
            FlowError::CommitteeDecides => "committee_decides",
        }
    }
}

/// Everything a decision depends on.
#[derive(Debug, Clone)]
pub struct DecisionContext<'a> {
    pub state: RequestState,
    pub step: usize,
    pub requester: Uuid,
    pub actor: Uuid,
    /// The actor is among the people the step's approver resolves to.
    pub actor_is_approver: bool,
    /// The decision is taken in a committee meeting (for committee steps).
    pub in_meeting: bool,
    /// People who decided earlier steps of the current round.
    pub earlier_deciders: &'a [Uuid],
}

/// Applies a decision to a request; pure.
pub fn decide(
    flow: &FlowDef,
    ctx: &DecisionContext<'_>,
    decision: Decision,
) -> Result<Outcome, FlowError> {
    if ctx.state != RequestState::InReview {
        return Err(FlowError::NotInReview);
    }
    let step = flow.steps.get(ctx.step).ok_or(FlowError::NotInReview)?;
    // In a meeting the committee decides and the 事務局 only records it, so
    // the recorder may be the one who proposed (DOC-4.2.1: members propose,
    // the committee decides); outside a meeting nobody decides their own.
    if ctx.actor == ctx.requester && !ctx.in_meeting {
        return Err(FlowError::OwnRequest);
    }
    if step.approver == Approver::Committee && !ctx.in_meeting {
        return Err(FlowError::CommitteeDecides);
    }
    if !ctx.actor_is_approver {
        return Err(FlowError::NotApprover);
    }
    if step.distinct && ctx.earlier_deciders.contains(&ctx.actor) {
        return Err(FlowError::SamePersonTwice);
    }
    Ok(match decision {
        Decision::Reject => Outcome::Rejected,
        Decision::Return => Outcome::Returned,
        Decision::Approve if ctx.step + 1 < flow.steps.len() => Outcome::NextStep(ctx.step + 1),
        Decision::Approve => Outcome::Approved,
    })
}

/// 例外の適用承認 (§6 of every 規程): the committee decides, except for the
/// システム利用規程, whose exceptions the department's 情報セキュリティ担当者
/// approves (USE-6).
pub fn exception_flow(document: PolicyDocument) -> FlowDef {
    let approver = match document {
        PolicyDocument::SystemUse => Approver::DepartmentRole(Role::SecurityOfficer),
        _ => Approver::Committee,
    };
    FlowDef {
        kind: "exception",
        prefix: "EXC",
        steps: vec![StepDef {
            key: "approval",
            approver,
            distinct: true,
        }],
    }
}

/// 本規程の変更を求める者は委員会に申請 (§9 of every 規程): the committee decides.
pub fn change_request_flow() -> FlowDef {
    FlowDef {
        kind: "change_request",
        prefix: "CR",
        steps: vec![StepDef {
            key: "committee",
            approver: Approver::Committee,
            distinct: true,
        }],
    }
}

/// The committee's decision on an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitteeDecision {
    /// 承認
    Approved,
    /// 否決
    Rejected,
    /// 継続審議: stays on the agenda of a later meeting.
    Continued,
    /// 条件付き承認
    ConditionallyApproved,
}

impl CommitteeDecision {
    pub const ALL: &'static [CommitteeDecision] = &[
        CommitteeDecision::Approved,
        CommitteeDecision::ConditionallyApproved,
        CommitteeDecision::Continued,
        CommitteeDecision::Rejected,
    ];
    pub fn id(self) -> &'static str {
        match self {
            CommitteeDecision::Approved => "approved",
            CommitteeDecision::Rejected => "rejected",
            CommitteeDecision::Continued => "continued",
            CommitteeDecision::ConditionallyApproved => "conditionally_approved",
        }
    }
    pub fn parse(s: &str) -> Option<CommitteeDecision> {
        CommitteeDecision::ALL.iter().copied().find(|d| d.id() == s)
    }
    /// What it does to the request it decides (None: nothing yet).
    pub fn as_decision(self) -> Option<Decision> {
        match self {
            CommitteeDecision::Approved | CommitteeDecision::ConditionallyApproved => {
                Some(Decision::Approve)
            }
            CommitteeDecision::Rejected => Some(Decision::Reject),
            CommitteeDecision::Continued => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_step() -> FlowDef {
        FlowDef {
            kind: "test",
            prefix: "T",
            steps: vec![
                StepDef {
                    key: "head",
                    approver: Approver::DepartmentRole(Role::DepartmentHead),
                    distinct: false,
                },
                StepDef {
                    key: "is",
                    approver: Approver::Role(Role::Secretariat),
                    distinct: true,
                },
            ],
        }
    }

    fn ctx(step: usize, actor: u128, earlier: &[Uuid]) -> DecisionContext<'_> {
        DecisionContext {
            state: RequestState::InReview,
            step,
            requester: Uuid::from_u128(1),
            actor: Uuid::from_u128(actor),
            actor_is_approver: true,
            in_meeting: false,
            earlier_deciders: earlier,
        }
    }

    #[test]
    fn approval_moves_through_the_steps() {
        let f = two_step();
        assert_eq!(
            decide(&f, &ctx(0, 2, &[]), Decision::Approve),
            Ok(Outcome::NextStep(1))
        );
        assert_eq!(
            decide(&f, &ctx(1, 3, &[Uuid::from_u128(2)]), Decision::Approve),
            Ok(Outcome::Approved)
        );
        assert_eq!(
            decide(&f, &ctx(0, 2, &[]), Decision::Return),
            Ok(Outcome::Returned)
        );
        assert_eq!(
            decide(&f, &ctx(1, 3, &[]), Decision::Reject),
            Ok(Outcome::Rejected)
        );
    }

    #[test]
    fn requester_cannot_approve_own_request() {
        assert_eq!(
            decide(&two_step(), &ctx(0, 1, &[]), Decision::Approve),
            Err(FlowError::OwnRequest)
        );
    }

    #[test]
    fn the_committee_decides_what_its_recorder_proposed() {
        let f = change_request_flow();
        let mut c = ctx(0, 1, &[]);
        c.in_meeting = true;
        assert_eq!(decide(&f, &c, Decision::Approve), Ok(Outcome::Approved));
        c.in_meeting = false;
        assert_eq!(
            decide(&f, &c, Decision::Approve),
            Err(FlowError::OwnRequest)
        );
    }

    #[test]
    fn one_person_never_fills_two_distinct_steps() {
        let earlier = [Uuid::from_u128(2)];
        assert_eq!(
            decide(&two_step(), &ctx(1, 2, &earlier), Decision::Approve),
            Err(FlowError::SamePersonTwice)
        );
    }

    #[test]
    fn only_the_named_approver_decides() {
        let mut c = ctx(0, 9, &[]);
        c.actor_is_approver = false;
        assert_eq!(
            decide(&two_step(), &c, Decision::Approve),
            Err(FlowError::NotApprover)
        );
    }

    #[test]
    fn decided_requests_take_no_more_decisions() {
        let mut c = ctx(0, 2, &[]);
        c.state = RequestState::Approved;
        assert_eq!(
            decide(&two_step(), &c, Decision::Approve),
            Err(FlowError::NotInReview)
        );
    }

    #[test]
    fn committee_steps_are_decided_in_a_meeting() {
        let f = change_request_flow();
        assert_eq!(
            decide(&f, &ctx(0, 2, &[]), Decision::Approve),
            Err(FlowError::CommitteeDecides)
        );
        let mut c = ctx(0, 2, &[]);
        c.in_meeting = true;
        assert_eq!(decide(&f, &c, Decision::Approve), Ok(Outcome::Approved));
    }

    #[test]
    fn system_use_exceptions_go_to_the_security_officer_others_to_the_committee() {
        assert_eq!(
            exception_flow(PolicyDocument::SystemUse).steps[0].approver,
            Approver::DepartmentRole(Role::SecurityOfficer)
        );
        for d in PolicyDocument::ALL
            .iter()
            .filter(|d| **d != PolicyDocument::SystemUse)
        {
            assert_eq!(
                exception_flow(*d).steps[0].approver,
                Approver::Committee,
                "{}",
                d.code()
            );
        }
    }

    #[test]
    fn continued_items_change_nothing_yet() {
        assert_eq!(CommitteeDecision::Continued.as_decision(), None);
        assert_eq!(
            CommitteeDecision::ConditionallyApproved.as_decision(),
            Some(Decision::Approve)
        );
    }
}
