//! The life of a monthly payment line: scheduled when its allowance is approved, then paid by
//! finance, or cancelled when the allowance stops first.
pub use entity::payments::Status;

/// What can happen to a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Finance records the transfer.
    Pay,
    /// The allowance stopped before the month was paid.
    Cancel,
}

/// Why a step was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Only a scheduled line is paid or cancelled: a paid line is never paid twice, a
    /// cancelled one never paid.
    NotScheduled,
}

/// The one state machine of a payment line.
pub fn transition(from: Status, step: Step) -> Result<Status, Refusal> {
    match (from, step) {
        (Status::Scheduled, Step::Pay) => Ok(Status::Paid),
        (Status::Scheduled, Step::Cancel) => Ok(Status::Cancelled),
        (Status::Paid | Status::Cancelled, _) => Err(Refusal::NotScheduled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_step() {
        use Status::*;
        for (from, step, to) in [
            (Scheduled, Step::Pay, Ok(Paid)),
            (Scheduled, Step::Cancel, Ok(Cancelled)),
            (Paid, Step::Pay, Err(Refusal::NotScheduled)),
            (Paid, Step::Cancel, Err(Refusal::NotScheduled)),
            (Cancelled, Step::Pay, Err(Refusal::NotScheduled)),
            (Cancelled, Step::Cancel, Err(Refusal::NotScheduled)),
        ] {
            assert_eq!(transition(from, step), to, "{from:?} {step:?}");
        }
    }
}
