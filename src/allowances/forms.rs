//! The allowance request form: `kind`, `monthly_amount`, `start_month`, `end_month`, `reason`.
use serde::Deserialize;

use crate::{
    allowances::rules::{Caps, Kind, parse_yen},
    clock::Month,
    i18n::Yen,
    web::forms::FormErrors,
    web::forms::has_forbidden_text_character,
};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AllowanceForm {
    pub kind: String,
    pub monthly_amount: String,
    pub start_month: String,
    pub end_month: String,
    pub reason: String,
    /// The draft's version, when a draft is changed.
    pub version: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowanceInput {
    pub kind: Kind,
    pub monthly_amount: Yen,
    pub start: Month,
    pub end: Month,
    pub reason: String,
}

/// The longest request, in months.
pub const MAX_MONTHS: usize = 60;

impl AllowanceForm {
    pub fn parse(&self, caps: &Caps, errors: &mut FormErrors) -> Option<AllowanceInput> {
        let kind = Kind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "allowance-kind-invalid");
        }
        let amount = parse_yen(&self.monthly_amount);
        match (amount, kind) {
            (None, _) => errors.add("monthly_amount", "allowance-amount-invalid"),
            (Some(a), Some(k)) if a > caps.of(k) => {
                errors.add("monthly_amount", "allowance-amount-over-cap")
            }
            _ => {}
        }
        let start = Month::parse(&self.start_month);
        if start.is_none() {
            errors.add("start_month", "allowance-month-invalid");
        }
        let end = Month::parse(&self.end_month);
        match (start, end) {
            (_, None) => errors.add("end_month", "allowance-month-invalid"),
            (Some(s), Some(e)) if e < s => errors.add("end_month", "allowance-end-before-start"),
            (Some(s), Some(e)) if s.through(e).len() > MAX_MONTHS => {
                errors.add("end_month", "allowance-too-long")
            }
            _ => {}
        }
        let reason = self.reason.trim().replace("\r\n", "\n");
        if reason.is_empty() {
            errors.add("reason", "allowance-reason-required");
        } else if reason.chars().count() > 5000 || has_forbidden_text_character(&reason) {
            errors.add("reason", "leaver-text-too-long");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(AllowanceInput {
            kind: kind?,
            monthly_amount: amount?,
            start: start?,
            end: end?,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: Caps = Caps {
        housing: Yen(50_000),
        living: Yen(30_000),
    };

    fn form(kind: &str, amount: &str, start: &str, end: &str) -> AllowanceForm {
        AllowanceForm {
            kind: kind.into(),
            monthly_amount: amount.into(),
            start_month: start.into(),
            end_month: end.into(),
            reason: "Rent after leaving the home".into(),
            version: String::new(),
        }
    }

    #[test]
    fn caps_apply_per_kind_at_their_boundary() {
        let mut e = FormErrors::default();
        assert!(
            form("housing", "50000", "2026-04", "2026-06")
                .parse(&CAPS, &mut e)
                .is_some()
        );
        let mut e2 = FormErrors::default();
        assert!(
            form("housing", "50001", "2026-04", "2026-06")
                .parse(&CAPS, &mut e2)
                .is_none()
        );
        assert_eq!(e2.get("monthly_amount"), Some("allowance-amount-over-cap"));
        let mut e3 = FormErrors::default();
        assert!(
            form("living", "30001", "2026-04", "2026-06")
                .parse(&CAPS, &mut e3)
                .is_none()
        );
        assert!(e.is_empty());
    }

    #[test]
    fn fields_are_each_checked() {
        let mut e = FormErrors::default();
        let f = AllowanceForm {
            reason: String::new(),
            ..form("rent", "12.5", "2026-13", "2026-01")
        };
        assert!(f.parse(&CAPS, &mut e).is_none());
        assert_eq!(e.get("kind"), Some("allowance-kind-invalid"));
        assert_eq!(e.get("monthly_amount"), Some("allowance-amount-invalid"));
        assert_eq!(e.get("start_month"), Some("allowance-month-invalid"));
        assert_eq!(e.get("reason"), Some("allowance-reason-required"));
        let mut e = FormErrors::default();
        assert!(
            form("living", "1000", "2026-05", "2026-04")
                .parse(&CAPS, &mut e)
                .is_none()
        );
        assert_eq!(e.get("end_month"), Some("allowance-end-before-start"));
    }
}
