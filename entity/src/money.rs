//! Money: whole yen. A type of its own so an amount is never mixed up with a count or an id.
use std::{
    fmt,
    iter::Sum,
    ops::{Add, AddAssign, Mul, Sub},
};

use sea_orm::DeriveValueType;

/// An amount of whole yen (stored as a 64-bit integer). Negative only as a difference, such as
/// an overspend.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    DeriveValueType,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

/// The plain number, as audit summaries and CSV files carry it (pages format it with `¥`).
impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Yen {
    pub const ZERO: Yen = Yen(0);

    /// The number of yen.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl Add for Yen {
    type Output = Yen;
    fn add(self, other: Yen) -> Yen {
        Yen(self.0 + other.0)
    }
}

impl AddAssign for Yen {
    fn add_assign(&mut self, other: Yen) {
        self.0 += other.0;
    }
}

impl Sub for Yen {
    type Output = Yen;
    fn sub(self, other: Yen) -> Yen {
        Yen(self.0 - other.0)
    }
}

/// So much a month, for so many months.
impl Mul<i64> for Yen {
    type Output = Yen;
    fn mul(self, months: i64) -> Yen {
        Yen(self.0 * months)
    }
}

impl Sum for Yen {
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        iter.fold(Yen::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Yen> for Yen {
    fn sum<I: Iterator<Item = &'a Yen>>(iter: I) -> Yen {
        iter.copied().sum()
    }
}
