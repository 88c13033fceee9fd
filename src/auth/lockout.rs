//! Sign-in throttling. Failures are counted three ways, so that nobody can lock someone else
//! out and nobody can try one password across many accounts unhindered:
//! - per account and client address (`max_failures`, 5): the usual lock, which a stranger's
//!   guesses do not extend to the account's owner on another client;
//! - per client address, on any accounts (`per_client`, 20): one password tried across many
//!   addresses;
//! - per account, from any clients (`per_account`, 50): the backstop against guesses spread
//!   over many addresses.
//!
//! Each kind locks for `lockout` after the failure that completes its number within `window`.
use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    pub max_failures: usize,
    pub per_client: usize,
    pub per_account: usize,
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

/// One recent failure, seen from an attempt on an account from a client.
#[derive(Clone, Copy, Debug)]
pub struct Failure {
    pub at: DateTime<Utc>,
    pub same_account: bool,
    pub same_client: bool,
}

/// The end of the lock in force at `now` for an attempt, if any. `failures` need not be
/// sorted; those neither on the account nor from the client are ignored.
pub fn locked_until(
    failures: &[Failure],
    policy: &LockoutPolicy,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let times = |keep: fn(&Failure) -> bool| -> Vec<DateTime<Utc>> {
        failures.iter().filter(|f| keep(f)).map(|f| f.at).collect()
    };
    [
        lock_end(
            &times(|f| f.same_account && f.same_client),
            policy.max_failures,
            policy,
            now,
        ),
        lock_end(&times(|f| f.same_client), policy.per_client, policy, now),
        lock_end(&times(|f| f.same_account), policy.per_account, policy, now),
    ]
    .into_iter()
    .flatten()
    .max()
}

/// The end of the lock that `n` of `failures` within the window cause, if in force at `now`.
fn lock_end(
    failures: &[DateTime<Utc>],
    n: usize,
    policy: &LockoutPolicy,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let n = n.max(1);
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
            per_client: 20,
            per_account: 50,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }

    /// Failures on this account from this client.
    fn mine(times: &[DateTime<Utc>]) -> Vec<Failure> {
        times
            .iter()
            .map(|&at| Failure {
                at,
                same_account: true,
                same_client: true,
            })
            .collect()
    }

    fn many(n: usize, same_account: bool, same_client: bool) -> Vec<Failure> {
        (0..n)
            .map(|i| Failure {
                at: t(0) + Duration::seconds(i as i64),
                same_account,
                same_client,
            })
            .collect()
    }

    #[test]
    fn a_strangers_failures_do_not_lock_the_owner_on_another_client() {
        // 49 failures on the account from elsewhere: below the backstop.
        assert_eq!(locked_until(&many(49, true, false), &policy(), t(1)), None);
        // The 50th locks the account for everyone.
        assert!(locked_until(&many(50, true, false), &policy(), t(1)).is_some());
    }

    #[test]
    fn one_client_trying_many_accounts_is_paused() {
        assert_eq!(locked_until(&many(19, false, true), &policy(), t(1)), None);
        let until = locked_until(&many(20, false, true), &policy(), t(1));
        assert_eq!(until, Some(t(15) + Duration::seconds(19)));
    }

    #[test]
    fn failures_of_others_elsewhere_are_ignored() {
        assert_eq!(
            locked_until(&many(500, false, false), &policy(), t(1)),
            None
        );
    }

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let f = [t(0), t(1), t(2), t(3)];
        assert_eq!(locked_until(&mine(&f), &policy(), t(4)), None);
    }

    #[test]
    fn the_fifth_failure_within_the_window_locks_for_the_lockout() {
        let f = [t(0), t(1), t(2), t(3), t(4)];
        assert_eq!(locked_until(&mine(&f), &policy(), t(4)), Some(t(19)));
        assert_eq!(locked_until(&mine(&f), &policy(), t(18)), Some(t(19)));
        assert_eq!(locked_until(&mine(&f), &policy(), t(19)), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let f = [t(0), t(4), t(8), t(12), t(16)];
        assert_eq!(locked_until(&mine(&f), &policy(), t(16)), None);
        // Exactly on the window's edge still counts.
        let f = [t(0), t(4), t(8), t(12), t(15)];
        assert_eq!(locked_until(&mine(&f), &policy(), t(15)), Some(t(30)));
    }

    #[test]
    fn order_of_the_input_does_not_matter() {
        let f = [t(4), t(0), t(3), t(1), t(2)];
        assert_eq!(locked_until(&mine(&f), &policy(), t(5)), Some(t(19)));
    }
}
