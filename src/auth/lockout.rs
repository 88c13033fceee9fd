//! Sign-in throttling: when too many failures on one account lock it for a while.
use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    pub max_failures: usize,
    pub window: Duration,
    pub lockout: Duration,
}

impl LockoutPolicy {
    /// How far back failures matter: a lock can be caused by failures up to
    /// `window` before the one that triggered it, and lasts `lockout` after that one.
    pub fn lookback(&self) -> Duration {
        self.window + self.lockout
    }
}

/// The end of the lock in force at `now`, if any. `failures` need not be sorted.
/// An account is locked for `lockout` after any failure that completes `max_failures`
/// failures within `window`.
pub fn locked_until(
    failures: &[DateTime<Utc>],
    policy: &LockoutPolicy,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let n = policy.max_failures.max(1);
    let mut sorted = failures.to_vec();
    sorted.sort();
    sorted
        .windows(n)
        .filter(|w| w[n - 1] - w[0] <= policy.window)
        .map(|w| w[n - 1] + policy.lockout)
        .filter(|until| *until > now)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let f = [t(0), t(1), t(2), t(3)];
        assert_eq!(locked_until(&f, &policy(), t(4)), None);
    }

    #[test]
    fn the_fifth_failure_within_the_window_locks_for_the_lockout() {
        let f = [t(0), t(1), t(2), t(3), t(4)];
        assert_eq!(locked_until(&f, &policy(), t(4)), Some(t(19)));
        assert_eq!(locked_until(&f, &policy(), t(18)), Some(t(19)));
        assert_eq!(locked_until(&f, &policy(), t(19)), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let f = [t(0), t(4), t(8), t(12), t(16)];
        assert_eq!(locked_until(&f, &policy(), t(16)), None);
        // Exactly on the window's edge still counts.
        let f = [t(0), t(4), t(8), t(12), t(15)];
        assert_eq!(locked_until(&f, &policy(), t(15)), Some(t(30)));
    }

    #[test]
    fn order_of_the_input_does_not_matter() {
        let f = [t(4), t(0), t(3), t(1), t(2)];
        assert_eq!(locked_until(&f, &policy(), t(5)), Some(t(19)));
    }
}
