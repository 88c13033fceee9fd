//! The leaver form (field names of DESIGN 2.2) parsed into checked values; every wrong field
//! gets its own message. The CSV import uses the same parsing.
use chrono::NaiveDate;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use crate::{
    i18n::Lang,
    leavers::{rules::PlacementType, window::age_on},
    users::forms::Email,
    web::forms::FormErrors,
    web::forms::{has_forbidden_text_character, is_checked, parse_date, parse_phone},
};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LeaverForm {
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: String,
    pub given_name_kana: String,
    pub date_of_birth: String,
    pub placement_type: String,
    pub placement_ended_on: String,
    pub living_situation: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub contact_consent: String,
    pub coordinator_id: String,
    pub notes: String,
    pub contact_every_days: String,
    pub language: String,
    pub version: String,
}

/// A checked leaver record, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaverInput {
    pub case_number: String,
    pub family_name: String,
    pub given_name: String,
    pub family_name_kana: Option<String>,
    pub given_name_kana: Option<String>,
    pub date_of_birth: NaiveDate,
    pub placement_type: PlacementType,
    pub placement_ended_on: NaiveDate,
    pub living_situation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub contact_consent: bool,
    pub coordinator_id: Option<i32>,
    pub notes: Option<String>,
    /// Days between contacts for this person; empty uses the setting.
    pub contact_every_days: Option<i32>,
    /// The language of the person's own page and emails (Japanese unless chosen).
    pub language: Lang,
}

/// The youngest age at which a placement can have ended for the register to accept it.
pub const MIN_AGE_AT_PLACEMENT_END: u32 = 15;
/// Older than this at the placement's end, a date of birth is a typing mistake.
pub const MAX_AGE_AT_PLACEMENT_END: u32 = 40;

/// Katakana for a kana field: half-width forms widened, hiragana turned into katakana,
/// spaces kept single. `None` when other characters are present.
pub fn to_katakana(raw: &str) -> Option<String> {
    let widened: String = raw.trim().nfkc().collect();
    let mut out = String::with_capacity(widened.len());
    for c in widened.chars() {
        let c = match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60)?,
            '\u{309D}' | '\u{309E}' => char::from_u32(c as u32 + 0x60)?,
            c => c,
        };
        let ok = matches!(
            c,
            '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | 'ヽ' | 'ヾ' | ' ' | '\u{3000}'
        );
        if !ok {
            return None;
        }
        if c == ' ' || c == '\u{3000}' {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    Some(out.trim().to_string())
}

/// Lower-case, width-folded, katakana, without spaces: how names and case numbers are searched.
pub fn search_form(raw: &str) -> String {
    raw.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn text(raw: &str, max: usize) -> Result<Option<String>, ()> {
    let t = raw.trim().replace("\r\n", "\n");
    if has_forbidden_text_character(&t) {
        return Err(());
    }
    if t.is_empty() {
        Ok(None)
    } else if t.chars().count() > max {
        Err(())
    } else {
        Ok(Some(t))
    }
}

impl LeaverForm {
    /// Checks every field against `today`; `None` with `errors` filled when anything is wrong.
    pub fn parse(&self, today: NaiveDate, errors: &mut FormErrors) -> Option<LeaverInput> {
        let case_number: String = self.case_number.trim().nfkc().collect();
        let case_ok = !case_number.is_empty()
            && case_number.chars().count() <= 32
            && !case_number.chars().any(char::is_whitespace)
            && !crate::web::forms::has_hidden_character(&case_number);
        if case_number.is_empty() {
            errors.add("case_number", "leaver-case-number-required");
        } else if !case_ok {
            errors.add("case_number", "leaver-case-number-invalid");
        }
        let mut name = |raw: &str, field: &'static str| match text(raw, 50) {
            Ok(Some(n)) if !crate::web::forms::has_hidden_character(&n) => Some(n),
            Ok(None) => {
                errors.add(field, "leaver-name-required");
                None
            }
            _ => {
                errors.add(field, "leaver-name-invalid");
                None
            }
        };
        let family_name = name(&self.family_name, "family_name");
        let given_name = name(&self.given_name, "given_name");
        let mut kana = |raw: &str, field: &'static str| -> Result<Option<String>, ()> {
            if raw.trim().is_empty() {
                return Ok(None);
            }
            match to_katakana(raw) {
                Some(k) if !k.is_empty() && k.chars().count() <= 50 => Ok(Some(k)),
                _ => {
                    errors.add(field, "leaver-kana-invalid");
                    Err(())
                }
            }
        };
        let family_name_kana = kana(&self.family_name_kana, "family_name_kana");
        let given_name_kana = kana(&self.given_name_kana, "given_name_kana");

        let date_of_birth = match parse_date(&self.date_of_birth) {
            _ if self.date_of_birth.trim().is_empty() => {
                errors.add("date_of_birth", "leaver-date-required");
                None
            }
            None => {
                errors.add("date_of_birth", "leaver-date-invalid");
                None
            }
            Some(d) if d >= today => {
                errors.add("date_of_birth", "leaver-birth-not-past");
                None
            }
            Some(d) => Some(d),
        };
        let placement_type = PlacementType::parse(&self.placement_type);
        if placement_type.is_none() {
            errors.add("placement_type", "leaver-placement-type-invalid");
        }
        let placement_ended_on = match parse_date(&self.placement_ended_on) {
            _ if self.placement_ended_on.trim().is_empty() => {
                errors.add("placement_ended_on", "leaver-date-required");
                None
            }
            None => {
                errors.add("placement_ended_on", "leaver-date-invalid");
                None
            }
            Some(d) if d > today => {
                errors.add("placement_ended_on", "leaver-placement-end-future");
                None
            }
            Some(d) => match date_of_birth {
                Some(b) if d < b => {
                    errors.add("placement_ended_on", "leaver-placement-end-before-birth");
                    None
                }
                Some(b) if age_on(b, d) < MIN_AGE_AT_PLACEMENT_END => {
                    errors.add("placement_ended_on", "leaver-too-young");
                    None
                }
                Some(b) if age_on(b, d) > MAX_AGE_AT_PLACEMENT_END => {
                    errors.add("date_of_birth", "leaver-too-old");
                    None
                }
                _ => Some(d),
            },
        };
        let mut optional = |raw: &str, max: usize, field: &'static str| match text(raw, max) {
            Ok(v) => Some(v),
            Err(()) => {
                errors.add(field, "leaver-text-too-long");
                None
            }
        };
        let living_situation = optional(&self.living_situation, 2000, "living_situation");
        let address = optional(&self.address, 300, "address");
        let notes = optional(&self.notes, 10_000, "notes");
        let email = if self.email.trim().is_empty() {
            Some(None)
        } else {
            match Email::parse(&self.email) {
                Some(e) => Some(Some(e.as_str().to_string())),
                None => {
                    errors.add("email", "field-email-invalid");
                    None
                }
            }
        };
        let phone = parse_phone(&self.phone);
        if phone.is_none() {
            errors.add("phone", "leaver-phone-invalid");
        }
        let language = match self.language.trim() {
            "" => Some(Lang::Ja),
            raw => Lang::parse(raw),
        };
        if language.is_none() {
            errors.add("language", "leaver-language-invalid");
        }
        let coordinator_id = match self.coordinator_id.trim() {
            "" => Some(None),
            raw => match raw.parse::<i32>() {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    errors.add("coordinator_id", "leaver-coordinator-invalid");
                    None
                }
            },
        };
        let cadence: String = self.contact_every_days.trim().nfkc().collect();
        let contact_every_days = match cadence.as_str() {
            "" => Some(None),
            raw => match raw.parse::<i32>() {
                Ok(d) if (1..=365).contains(&d) => Some(Some(d)),
                _ => {
                    errors.add("contact_every_days", "leaver-cadence-invalid");
                    None
                }
            },
        };
        if !errors.is_empty() {
            return None;
        }
        Some(LeaverInput {
            contact_every_days: contact_every_days?,
            case_number,
            family_name: family_name?,
            given_name: given_name?,
            family_name_kana: family_name_kana.ok()?,
            given_name_kana: given_name_kana.ok()?,
            date_of_birth: date_of_birth?,
            placement_type: placement_type?,
            placement_ended_on: placement_ended_on?,
            living_situation: living_situation?,
            email: email?,
            phone: phone?,
            language: language?,
            address: address?,
            contact_consent: is_checked(&self.contact_consent),
            coordinator_id: coordinator_id?,
            notes: notes?,
        })
    }

    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn good() -> LeaverForm {
        LeaverForm {
            case_number: "SP-2024-001".into(),
            family_name: "山田".into(),
            given_name: "花子".into(),
            family_name_kana: "やまだ".into(),
            given_name_kana: "ﾊﾅｺ".into(),
            date_of_birth: "2006-04-02".into(),
            placement_type: "childrens_home".into(),
            placement_ended_on: "2024/03/31".into(),
            email: "Hanako@Example.jp".into(),
            phone: "０１１-２２２-３３３３".into(),
            contact_consent: "on".into(),
            coordinator_id: "3".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_is_normalised() {
        let mut e = FormErrors::default();
        let input = good().parse(today(), &mut e).unwrap();
        assert!(e.is_empty());
        assert_eq!(input.family_name_kana.as_deref(), Some("ヤマダ"));
        assert_eq!(input.given_name_kana.as_deref(), Some("ハナコ"));
        assert_eq!(
            input.placement_ended_on,
            NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()
        );
        assert_eq!(input.email.as_deref(), Some("hanako@example.jp"));
        assert_eq!(input.phone.as_deref(), Some("011-222-3333"));
        assert!(input.contact_consent);
        assert_eq!(input.coordinator_id, Some(3));
        assert_eq!(input.living_situation, None);
    }

    fn errors_of(form: LeaverForm) -> Vec<(&'static str, &'static str)> {
        let mut e = FormErrors::default();
        assert!(form.parse(today(), &mut e).is_none());
        e.fields().map(|f| (*f, e.get(f).unwrap())).collect()
    }

    #[test]
    fn required_fields_are_each_reported() {
        let errs = errors_of(LeaverForm::default());
        let fields: Vec<_> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "case_number",
                "family_name",
                "given_name",
                "date_of_birth",
                "placement_type",
                "placement_ended_on"
            ]
        );
    }

    #[test]
    fn a_date_of_birth_makes_the_person_15_to_40_at_placement_end() {
        let form = |dob: &str, end: &str| LeaverForm {
            date_of_birth: dob.into(),
            placement_ended_on: end.into(),
            ..good()
        };
        for absurd in ["0001-01-01", "1900-01-01", "1983-03-30"] {
            assert_eq!(
                errors_of(form(absurd, "2024-03-31")),
                [("date_of_birth", "leaver-too-old")],
                "{absurd}"
            );
        }
        // 40 (and nearly 41) on the day the placement ended: still plausible.
        for dob in ["1984-03-31", "1983-04-01"] {
            let mut e = FormErrors::default();
            assert!(
                form(dob, "2024-03-31").parse(today(), &mut e).is_some(),
                "{dob}"
            );
        }
        assert_eq!(
            errors_of(form("9999-12-31", "2024-03-31")),
            [("date_of_birth", "leaver-birth-not-past")]
        );
    }

    #[test]
    fn dates_must_be_real_and_in_order() {
        let form = |dob: &str, end: &str| LeaverForm {
            date_of_birth: dob.into(),
            placement_ended_on: end.into(),
            ..good()
        };
        assert_eq!(
            errors_of(form("2006-02-30", "2024-03-31")),
            [("date_of_birth", "leaver-date-invalid")]
        );
        assert_eq!(
            errors_of(form("2026-11-25", "2024-03-31"))[0],
            ("date_of_birth", "leaver-birth-not-past")
        );
        assert_eq!(
            errors_of(form("2006-04-02", "2026-11-26")),
            [("placement_ended_on", "leaver-placement-end-future")]
        );
        assert_eq!(
            errors_of(form("2006-04-02", "2005-01-01")),
            [("placement_ended_on", "leaver-placement-end-before-birth")]
        );
        // 15th birthday on 2021-04-02: the day before is still 14.
        assert_eq!(
            errors_of(form("2006-04-02", "2021-04-01")),
            [("placement_ended_on", "leaver-too-young")]
        );
        let mut e = FormErrors::default();
        assert!(
            form("2006-04-02", "2021-04-02")
                .parse(today(), &mut e)
                .is_some()
        );
    }

    #[test]
    fn kana_accepts_katakana_and_converts_hiragana_only() {
        assert_eq!(
            to_katakana("やまだ はなこ").as_deref(),
            Some("ヤマダ ハナコ")
        );
        assert_eq!(to_katakana("ｷﾞｮｳﾀﾞ").as_deref(), Some("ギョウダ"));
        assert_eq!(to_katakana("ヴァー・ン").as_deref(), Some("ヴァー・ン"));
        assert_eq!(to_katakana("山田"), None);
        assert_eq!(to_katakana("Yamada"), None);
        let errs = errors_of(LeaverForm {
            family_name_kana: "Yamada".into(),
            ..good()
        });
        assert_eq!(errs, [("family_name_kana", "leaver-kana-invalid")]);
    }

    #[test]
    fn control_characters_are_refused() {
        let errs = errors_of(LeaverForm {
            family_name: "山\u{0}田".into(),
            notes: "a\u{7}b".into(),
            ..good()
        });
        assert_eq!(
            errs,
            [
                ("family_name", "leaver-name-invalid"),
                ("notes", "leaver-text-too-long")
            ]
        );
    }

    #[test]
    fn contact_fields_are_checked() {
        let errs = errors_of(LeaverForm {
            email: "nope".into(),
            phone: "call me".into(),
            ..good()
        });
        assert_eq!(
            errs,
            [
                ("email", "field-email-invalid"),
                ("phone", "leaver-phone-invalid")
            ]
        );
    }

    #[test]
    fn search_form_folds_width_case_and_kana() {
        assert_eq!(search_form("ＳＰ－2024"), "sp-2024");
        assert_eq!(search_form("やまだ 花子"), "ヤマダ花子");
        assert_eq!(search_form("ﾔﾏﾀﾞ"), "ヤマダ");
    }
}
