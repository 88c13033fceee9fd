//! Parsing account forms into checked values; every field error is collected.
use serde::Deserialize;

use crate::{auth::password, i18n::Lang, roles::Role, web::forms::FormErrors};

/// A normalised email address: trimmed, lower-case, one `@` with text on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Option<Email> {
        let e = raw.trim().to_lowercase();
        let (local, domain) = e.split_once('@')?;
        let ok = !local.is_empty()
            && is_mail_domain(domain)
            && e.len() <= 254
            && !e.chars().any(char::is_whitespace)
            && !crate::web::forms::has_hidden_character(&e);
        ok.then_some(Email(e))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A domain mail can be delivered to: at least two labels (`example.jp`, not `example`), each
/// of letters, digits and inner hyphens (other scripts' letters too).
fn is_mail_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

/// A person's display name: 1 to 100 characters after trimming.
pub fn parse_name(raw: &str) -> Option<String> {
    let n = raw.trim();
    (!n.is_empty() && n.chars().count() <= 100 && !crate::web::forms::has_hidden_character(n))
        .then(|| n.to_string())
}

/// The account form used by admins (`/admin/users/new` and `/edit`) and first-run setup.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub language: String,
    pub password: String,
    pub password_confirm: String,
    pub version: String,
}

/// Checked account details.
#[derive(Clone, Debug)]
pub struct UserDetails {
    pub name: String,
    pub email: Email,
    pub role: Role,
    pub language: Lang,
}

impl UserForm {
    /// Name, email, role and language.
    pub fn details(&self, errors: &mut FormErrors) -> Option<UserDetails> {
        let name = parse_name(&self.name);
        if name.is_none() {
            errors.add("name", "field-name-invalid");
        }
        let email = Email::parse(&self.email);
        if email.is_none() {
            errors.add("email", "field-email-invalid");
        }
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.add("role", "field-role-invalid");
        }
        let language = Lang::parse(&self.language);
        if language.is_none() {
            errors.add("language", "field-language-invalid");
        }
        Some(UserDetails {
            name: name?,
            email: email?,
            role: role?,
            language: language?,
        })
    }

    /// The new password, typed twice.
    pub fn new_password(&self, errors: &mut FormErrors) -> Option<String> {
        check_new_password(
            &self.password,
            &self.password_confirm,
            "password",
            &[&self.name, &self.email],
            errors,
        )
    }

    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }
}

/// Checks the password policy and that the confirmation matches.
pub fn check_new_password(
    password: &str,
    confirm: &str,
    field: &'static str,
    context: &[&str],
    errors: &mut FormErrors,
) -> Option<String> {
    if let Err(id) = password::check_policy(password, context) {
        errors.add(field, id);
        return None;
    }
    if password != confirm {
        errors.add("password_confirm", "field-password-mismatch");
        return None;
    }
    Some(password.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Sato@Example.JP ").unwrap().as_str(),
            "sato@example.jp"
        );
        for good in [
            "yui@mail.example.co.jp",
            "yui@例え.jp",
            "y.u-i+tag@ex-ample.jp",
        ] {
            assert!(Email::parse(good).is_some(), "{good}");
        }
        for bad in [
            "",
            "sato",
            "@example.jp",
            "sato@",
            "sa to@example.jp",
            "a@b@c",
            "a@.jp",
            "a@jp.",
            "yui@example",
            "yui@example..jp",
            "yui@-example.jp",
            "yui@example_mail.jp",
            "yui@192.168.0",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let form = UserForm {
            name: " ".into(),
            email: "x".into(),
            role: "root".into(),
            language: "fr".into(),
            ..Default::default()
        };
        let mut errors = FormErrors::default();
        assert!(form.details(&mut errors).is_none());
        let fields: Vec<_> = errors.fields().copied().collect();
        assert_eq!(
            fields,
            ["name", "email", "role", "language"],
            "in the form's order"
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  佐藤 花子 ").as_deref(), Some("佐藤 花子"));
        assert!(parse_name(&"あ".repeat(100)).is_some());
        assert!(parse_name(&"あ".repeat(101)).is_none());
        assert!(parse_name("").is_none());
    }

    #[test]
    fn the_confirmation_must_match() {
        let mut errors = FormErrors::default();
        assert!(
            check_new_password(
                "correct horse battery",
                "correct horse batterx",
                "password",
                &[],
                &mut errors
            )
            .is_none()
        );
        assert_eq!(
            errors.get("password_confirm"),
            Some("field-password-mismatch")
        );
        let mut errors = FormErrors::default();
        assert!(
            check_new_password(
                "correct horse battery",
                "correct horse battery",
                "password",
                &[],
                &mut errors
            )
            .is_some()
        );
        assert!(errors.is_empty());
    }
}
