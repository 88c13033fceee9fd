//! Extension reasons and the decision rules.
use crate::roles::Role;

/// Why a support window is to be extended: stored by the entity, with its names.
pub use entity::extensions::Reason;

/// A proposal's status: stored by the entity.
pub use entity::extensions::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }

    /// The status a proposal has once this decision is taken.
    pub fn status(self) -> Status {
        match self {
            Decision::Approve => Status::Approved,
            Decision::Reject => Status::Rejected,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Only admins decide extensions.
    NotAdmin,
    /// Never on one's own proposal.
    OwnProposal,
    /// Only proposed extensions are decided.
    AlreadyDecided,
    /// Rejecting needs a note.
    NoteRequired,
}

/// Whether `role`/`actor` may take `decision` on a proposal in `status` made by `proposer`.
pub fn may_decide(
    role: Role,
    actor: i32,
    proposer: Option<i32>,
    status: Status,
    decision: Decision,
    note: Option<&str>,
) -> Result<(), Refusal> {
    if role != Role::Admin {
        return Err(Refusal::NotAdmin);
    }
    if proposer == Some(actor) {
        return Err(Refusal::OwnProposal);
    }
    if status != Status::Proposed {
        return Err(Refusal::AlreadyDecided);
    }
    if decision == Decision::Reject && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(Refusal::NoteRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_another_admin_decides_a_proposal() {
        let ok = may_decide(
            Role::Admin,
            2,
            Some(1),
            Status::Proposed,
            Decision::Approve,
            None,
        );
        assert_eq!(ok, Ok(()));
        assert_eq!(
            may_decide(
                Role::Admin,
                1,
                Some(1),
                Status::Proposed,
                Decision::Approve,
                None
            ),
            Err(Refusal::OwnProposal)
        );
        assert_eq!(
            may_decide(
                Role::Coordinator,
                2,
                Some(1),
                Status::Proposed,
                Decision::Approve,
                None
            ),
            Err(Refusal::NotAdmin)
        );
        assert_eq!(
            may_decide(
                Role::Finance,
                2,
                Some(1),
                Status::Proposed,
                Decision::Approve,
                None
            ),
            Err(Refusal::NotAdmin)
        );
        assert_eq!(
            may_decide(
                Role::Admin,
                2,
                Some(1),
                Status::Approved,
                Decision::Reject,
                Some("x")
            ),
            Err(Refusal::AlreadyDecided)
        );
        assert_eq!(
            may_decide(
                Role::Admin,
                2,
                Some(1),
                Status::Proposed,
                Decision::Reject,
                Some(" ")
            ),
            Err(Refusal::NoteRequired)
        );
        assert_eq!(
            may_decide(
                Role::Admin,
                2,
                Some(1),
                Status::Proposed,
                Decision::Reject,
                Some("not needed")
            ),
            Ok(())
        );
    }
}
