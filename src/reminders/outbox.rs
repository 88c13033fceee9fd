//! The life of an email in the outbox: pending until a sender claims it, then sent, or back to
//! pending for another attempt, or failed after the last one until an administrator retries
//! it. A claim whose sender stopped runs out and the email is claimed again.
use entity::outbox::Status;

/// What happens to an email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A sender takes it (a pending email, or one whose claim ran out).
    Claim,
    /// The mail server accepted it.
    Delivered,
    /// The attempt failed; `last` when it was the last one allowed.
    AttemptFailed { last: bool },
    /// An administrator asks for it to be sent again.
    RetryByHand,
}

impl Event {
    pub const ALL: [Event; 5] = [
        Event::Claim,
        Event::Delivered,
        Event::AttemptFailed { last: false },
        Event::AttemptFailed { last: true },
        Event::RetryByHand,
    ];
}

/// The event does not apply to an email in that state (nothing changes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotNow;

/// The status an email has after `event`.
pub fn transition(from: Status, event: Event) -> Result<Status, NotNow> {
    match (from, event) {
        (Status::Pending | Status::Sending, Event::Claim) => Ok(Status::Sending),
        (Status::Sending, Event::Delivered) => Ok(Status::Sent),
        (Status::Sending, Event::AttemptFailed { last: false }) => Ok(Status::Pending),
        (Status::Sending, Event::AttemptFailed { last: true }) => Ok(Status::Failed),
        (Status::Failed, Event::RetryByHand) => Ok(Status::Pending),
        _ => Err(NotNow),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_in_every_state() {
        use Status::*;
        let claim = Event::Claim;
        let delivered = Event::Delivered;
        let again = Event::AttemptFailed { last: false };
        let last = Event::AttemptFailed { last: true };
        let retry = Event::RetryByHand;
        let table = [
            (Pending, claim, Ok(Sending)),
            (Pending, delivered, Err(NotNow)),
            (Pending, again, Err(NotNow)),
            (Pending, last, Err(NotNow)),
            (Pending, retry, Err(NotNow)),
            (Sending, claim, Ok(Sending)),
            (Sending, delivered, Ok(Sent)),
            (Sending, again, Ok(Pending)),
            (Sending, last, Ok(Failed)),
            (Sending, retry, Err(NotNow)),
            (Sent, claim, Err(NotNow)),
            (Sent, delivered, Err(NotNow)),
            (Sent, again, Err(NotNow)),
            (Sent, last, Err(NotNow)),
            (Sent, retry, Err(NotNow)),
            (Failed, claim, Err(NotNow)),
            (Failed, delivered, Err(NotNow)),
            (Failed, again, Err(NotNow)),
            (Failed, last, Err(NotNow)),
            (Failed, retry, Ok(Pending)),
        ];
        assert_eq!(table.len(), Status::ALL.len() * Event::ALL.len());
        for (from, event, to) in table {
            assert_eq!(transition(from, event), to, "{from:?} {event:?}");
        }
    }
}
