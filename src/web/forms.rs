//! Field errors collected while parsing a form, shown beside each field; the characters no
//! field may hold.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A Unicode format character (category Cf): zero-width spaces and joiners, the byte-order
/// mark, direction marks, overrides and isolates. Invisible, and able to make a list or a CSV
/// show something other than what is stored.
pub fn is_invisible_format(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// Whether an identifier or a name holds a character it must not: a control or format
/// character, or U+FFFD (what an invalid encoding becomes).
pub fn has_hidden_character(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() || c == '\u{FFFD}' || is_invisible_format(c))
}

/// Whether free text holds a character it must not: line breaks and tabs are kept, other
/// control characters are refused (PostgreSQL refuses NUL outright), and so are the bidi
/// embeddings, overrides and isolates that reorder what follows them.
pub fn has_forbidden_text_character(s: &str) -> bool {
    s.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// The most characters a free-text note, reason or detail may hold.
pub const MAX_TEXT_CHARS: usize = 2000;

/// Whether a note, reason or detail can be stored: not too long, no forbidden character.
pub fn is_storable_text(s: &str) -> bool {
    s.chars().count() <= MAX_TEXT_CHARS && !has_forbidden_text_character(s)
}

/// Message ids of the catalog, keyed by form field name in the order the form was checked
/// (the order of the error summary), and at most one problem with the form as a whole.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(Vec<(&'static str, &'static str)>, Option<&'static str>);

impl FormErrors {
    /// A problem with the whole form, not one field (say, it was saved by someone else).
    pub fn problem_only(message_id: &'static str) -> Self {
        FormErrors(Vec::new(), Some(message_id))
    }

    pub fn problem(&self) -> Option<&'static str> {
        self.1
    }

    /// Adds the messages of `other` to these (a field's first message stays).
    pub fn merge(&mut self, other: &FormErrors) {
        for (field, message_id) in &other.0 {
            self.add(field, message_id);
        }
        self.1 = self.1.or(other.1);
    }

    /// Records the first problem found for `field`.
    pub fn add(&mut self, field: &'static str, message_id: &'static str) {
        if self.get(field).is_none() {
            self.0.push((field, message_id));
        }
    }

    /// Whether no field has a message (a form-level problem does not count).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether anything at all is wrong: a field or the whole form.
    pub fn any(&self) -> bool {
        !self.0.is_empty() || self.1.is_some()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| *m)
    }

    pub fn fields(&self) -> impl Iterator<Item = &&'static str> {
        self.0.iter().map(|(f, _)| f)
    }

    /// Each wrong field with its message, in the order of the form.
    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, &'static str)> {
        self.0.iter()
    }

    /// The attributes of a wrong field's control: marked invalid, described by its message
    /// (`{field}-error`), and focused on load when it is the first wrong field. Nothing for a
    /// field that is right.
    pub fn attrs(&self, field: &str) -> String {
        self.attrs_with_hint(field, "")
    }

    /// The same, for a control also described by a hint (`hint_id`, read before the error).
    pub fn attrs_with_hint(&self, field: &str, hint_id: &str) -> String {
        let hint = if hint_id.is_empty() {
            String::new()
        } else {
            format!("{hint_id} ")
        };
        if self.get(field).is_none() {
            return match hint_id {
                "" => String::new(),
                id => format!(r#" aria-describedby="{id}""#),
            };
        }
        let first = self.0.first().is_some_and(|(f, _)| *f == field);
        format!(
            r#" aria-invalid="true" aria-describedby="{hint}{field}-error"{}"#,
            if first { " autofocus" } else { "" }
        )
    }
}

#[cfg(test)]
mod error_tests {
    use super::FormErrors;

    #[test]
    fn errors_keep_the_forms_order_and_mark_their_fields() {
        let mut e = FormErrors::default();
        assert!(!e.any());
        assert_eq!(e.attrs("name"), "");
        assert_eq!(
            e.attrs_with_hint("name", "name-hint"),
            r#" aria-describedby="name-hint""#
        );
        e.add("name", "first");
        e.add("email", "second");
        e.add("name", "ignored: a field keeps its first message");
        let order: Vec<_> = e.iter().copied().collect();
        assert_eq!(order, [("name", "first"), ("email", "second")]);
        assert_eq!(
            e.attrs("name"),
            r#" aria-invalid="true" aria-describedby="name-error" autofocus"#,
            "the first wrong field takes the focus"
        );
        assert_eq!(
            e.attrs_with_hint("email", "email-hint"),
            r#" aria-invalid="true" aria-describedby="email-hint email-error""#
        );
        assert!(FormErrors::problem_only("stale").any());
        assert!(FormErrors::problem_only("stale").is_empty());
    }
}

/// `YYYY-MM-DD` (also `YYYY/MM/DD` and full-width digits, as typed or pasted from Excel).
pub fn parse_date(raw: &str) -> Option<chrono::NaiveDate> {
    let s: String = unicode_normalization::UnicodeNormalization::nfkc(raw.trim()).collect();
    let s = s.replace('/', "-");
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// One choice of a `<select>`, ready for a template.
pub struct SelectOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// The record version a form carried. A missing or garbled one matches no stored version, so
/// the save is refused as made on an old page.
pub fn form_version(raw: &str) -> i32 {
    raw.trim().parse().unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_garbled_version_matches_no_record() {
        assert_eq!(form_version("3"), 3);
        assert_eq!(form_version(" 3 "), 3);
        for bad in ["", "x", "3.0", "99999999999"] {
            assert_eq!(form_version(bad), -1, "{bad:?}");
        }
    }

    #[test]
    fn identifiers_refuse_what_cannot_be_seen() {
        for bad in [
            "\u{202E}Z1txt.exe\u{202C}",
            "SP\u{200B}1",
            "\u{FEFF}SP-1",
            "SP\u{2067}1\u{2069}",
            "SP-\u{FFFD}",
            "SP\u{0007}1",
            "山田\u{200D}",
        ] {
            assert!(has_hidden_character(bad), "{bad:?}");
        }
        for good in ["SP-2024-001", "山田 花子", "ヤマダ", "O'Brien", "José"] {
            assert!(!has_hidden_character(good), "{good:?}");
        }
    }

    #[test]
    fn a_note_is_storable_up_to_its_limit() {
        assert!(is_storable_text(&"あ".repeat(MAX_TEXT_CHARS)));
        assert!(!is_storable_text(&"あ".repeat(MAX_TEXT_CHARS + 1)));
        assert!(is_storable_text(""));
        assert!(!is_storable_text("ok\u{202E}"));
    }

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_only() {
        assert!(!has_forbidden_text_character("一行目\n二行目\tタブ\r\n"));
        assert!(!has_forbidden_text_character("emoji 👨\u{200D}👩 stays"));
        for bad in [
            "a\u{0000}b",
            "a\u{001B}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{007F}b",
        ] {
            assert!(has_forbidden_text_character(bad), "{bad:?}");
        }
    }
}

/// A phone number as written in any width, normalised; `None` when it is not one (an empty
/// field is `Some(None)`).
pub fn parse_phone(raw: &str) -> Option<Option<String>> {
    use unicode_normalization::UnicodeNormalization;
    let p: String = raw.trim().nfkc().collect();
    if p.is_empty() {
        return Some(None);
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'));
    (allowed && (6..=15).contains(&digits) && p.len() <= 32).then_some(Some(p))
}

/// Whether a checkbox (or a file's yes/no column) says yes.
pub fn is_checked(raw: &str) -> bool {
    matches!(
        raw.trim().to_ascii_lowercase().as_str(),
        "on" | "true" | "1" | "yes" | "y"
    )
}
