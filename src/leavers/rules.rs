//! Register rules: placement types, statuses and the status changes allowed between them.

/// Where the young person lived before leaving care: stored by the entity, with its names.
pub use entity::leavers::PlacementType;

/// A record's status: stored by the entity, its rules here.
pub use entity::leavers::Status;

/// Why a status change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusRefusal {
    /// Closed records stay as they are.
    AlreadyClosed,
    /// Closing needs a reason.
    ReasonRequired,
    /// Nothing to change.
    Unchanged,
}

/// The register's rules about a status.
pub trait StatusRules: Sized {
    /// `active` ↔ `lost_contact`, either → `closed` with a reason; `closed` is final.
    fn transition(self, to: Self, reason: Option<&str>) -> Result<Self, StatusRefusal>;
    /// The statuses a record in this status can be moved to.
    fn next(self) -> Vec<Self>;
}

impl StatusRules for Status {
    fn transition(self, to: Status, reason: Option<&str>) -> Result<Status, StatusRefusal> {
        match (self, to) {
            (Status::Closed, _) => Err(StatusRefusal::AlreadyClosed),
            (from, to) if from == to => Err(StatusRefusal::Unchanged),
            (_, Status::Closed) if reason.is_none_or(|r| r.trim().is_empty()) => {
                Err(StatusRefusal::ReasonRequired)
            }
            (_, to) => Ok(to),
        }
    }

    fn next(self) -> Vec<Status> {
        Status::ALL
            .into_iter()
            .filter(|to| self.transition(*to, Some("reason")).is_ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_changes_follow_the_register_rules() {
        use Status::*;
        assert_eq!(Active.transition(LostContact, None), Ok(LostContact));
        assert_eq!(LostContact.transition(Active, None), Ok(Active));
        assert_eq!(
            Active.transition(Closed, None),
            Err(StatusRefusal::ReasonRequired)
        );
        assert_eq!(
            Active.transition(Closed, Some("  ")),
            Err(StatusRefusal::ReasonRequired)
        );
        assert_eq!(
            LostContact.transition(Closed, Some("moved away")),
            Ok(Closed)
        );
        assert_eq!(
            Closed.transition(Active, Some("x")),
            Err(StatusRefusal::AlreadyClosed)
        );
        assert_eq!(
            Active.transition(Active, None),
            Err(StatusRefusal::Unchanged)
        );
        assert_eq!(Active.next(), [LostContact, Closed]);
        assert!(Closed.next().is_empty());
    }

    #[test]
    fn names_round_trip() {
        for p in PlacementType::ALL {
            assert_eq!(PlacementType::parse(p.as_str()), Some(p));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            PlacementType::ChildrensHome.message_id(),
            "placement-childrens-home"
        );
    }
}
