//! The life of a support plan: a draft is written and changed with the young person, then
//! agreed; an agreed plan is read-only (a new version starts from it as a new draft).
use entity::plans::Status;

/// What someone asks of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Change the wishes or the review date.
    Edit,
    /// Add a goal.
    AddGoal,
    /// Record the day it was agreed.
    Agree,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Edit, Step::AddGoal, Step::Agree];
}

/// Why a step is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The plan was agreed: it is read-only.
    Agreed,
}

/// The status a plan has after `step`, or why the step is refused.
pub fn transition(from: Status, step: Step) -> Result<Status, Refusal> {
    match (from, step) {
        (Status::Draft, Step::Edit | Step::AddGoal) => Ok(Status::Draft),
        (Status::Draft, Step::Agree) => Ok(Status::Agreed),
        (Status::Agreed, _) => Err(Refusal::Agreed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_from_every_status() {
        let table = [
            (Status::Draft, Step::Edit, Ok(Status::Draft)),
            (Status::Draft, Step::AddGoal, Ok(Status::Draft)),
            (Status::Draft, Step::Agree, Ok(Status::Agreed)),
            (Status::Agreed, Step::Edit, Err(Refusal::Agreed)),
            (Status::Agreed, Step::AddGoal, Err(Refusal::Agreed)),
            (Status::Agreed, Step::Agree, Err(Refusal::Agreed)),
        ];
        assert_eq!(table.len(), Status::ALL.len() * Step::ALL.len());
        for (from, step, to) in table {
            assert_eq!(transition(from, step), to, "{from:?} {step:?}");
        }
    }
}
