//! Password policy and argon2id hashing (off the async threads: hashing is deliberately slow).
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;
/// Longer input is refused before any hashing, wherever a password is checked: hashing
/// megabytes would let anyone spend the server's time.
pub const MAX_CHECKED_CHARS: usize = 1024;

fn too_long_to_check(password: &str) -> bool {
    // Bytes first: cheap, and a string of more bytes than 4 × the limit has too many chars.
    password.len() > 4 * MAX_CHECKED_CHARS || password.chars().count() > MAX_CHECKED_CHARS
}

/// Checks the password policy; the error is the catalog id of the message. `context` holds
/// what an attacker would try first for this account (its name and email address): a
/// password built from them is weak.
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), &'static str> {
    // Invalid encodings arrive as U+FFFD; format characters are invisible.
    if password
        .chars()
        .any(|c| c.is_control() || c == '\u{FFFD}' || crate::web::forms::is_invisible_format(c))
    {
        return Err("field-password-invalid-characters");
    }
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err("field-password-too-short");
    }
    if n > MAX_CHARS {
        return Err("field-password-too-long");
    }
    let mut words: Vec<String> = Vec::new();
    for item in context {
        let item = item.trim().to_lowercase();
        words.extend(
            item.split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().count() >= 3)
                .map(str::to_string),
        );
        words.push(item);
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    // The estimator's time grows fast with length; the first 64 characters decide (a password
    // strong there is strong), so a crafted long one cannot keep a worker busy.
    let probe: String = password.chars().take(64).collect();
    if zxcvbn::zxcvbn(&probe, &words).score() < zxcvbn::Score::Three {
        return Err("field-password-weak");
    }
    Ok(())
}

/// At most this many hashes run at once: each takes about 19 MiB and a core, and anyone can
/// start one by trying to sign in.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

pub async fn hash(password: String) -> anyhow::Result<String> {
    if too_long_to_check(&password) {
        anyhow::bail!("password longer than {MAX_CHECKED_CHARS} characters");
    }
    let _permit = HASHING.acquire().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Verifies a password against a stored hash. With no hash (unknown account) it still does
/// the same work against a fixed hash, so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    if too_long_to_check(&password) {
        return false;
    }
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        let (target, real) = match &stored {
            Some(h) => (h.as_str(), true),
            None => (DUMMY_HASH.as_str(), false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), target)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// The hash of a random password nobody knows, with the default parameters.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_blocking(&generate()).expect("hashing a generated password"));

/// A password for accounts created from the command line without one: 20 characters.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 20];
    getrandom::fill(&mut buf).expect("random source");
    buf.iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert_eq!(
            check_policy("elevenchars", &[]),
            Err("field-password-too-short")
        );
        assert_eq!(
            check_policy("aaaaaaaaaaaa", &[]),
            Err("field-password-weak")
        );
        assert_eq!(check_policy("tram gull ink 4", &[]), Ok(()));
        // 12 Japanese characters are 36 bytes but 12 characters.
        assert_eq!(check_policy("えのぐ川ひこうき雲ぱんだ丸", &[]), Ok(()));
        assert_eq!(
            check_policy("あいうえおかきくけこさ", &[]),
            Err("field-password-too-short")
        );
        assert_eq!(
            check_policy(&"x".repeat(257), &[]),
            Err("field-password-too-long")
        );
    }

    #[test]
    fn weak_passwords_are_refused() {
        let me = ["佐藤 花子", "hanako.sato@example.jp"];
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "passwordpassword",
            "hanako.sato@example.jp",
            "            ",
            "qwertyuiopas",
        ] {
            assert_eq!(
                check_policy(weak, &me),
                Err("field-password-weak"),
                "{weak:?}"
            );
        }
        assert_eq!(check_policy("correct horse battery staple", &me), Ok(()));
    }

    #[test]
    fn control_format_and_replacement_characters_are_refused() {
        for bad in [
            "tram gull ink 4\u{0007}",
            "tram gull\tink 4",
            "tram gull ink\u{200B} 4",
            "tram gull ink \u{FFFD}4",
            "\u{202E}tram gull ink 4",
        ] {
            assert_eq!(
                check_policy(bad, &[]),
                Err("field-password-invalid-characters"),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("correct horse batterz".into(), Some(h)).await);
        assert!(!verify("anything at all".into(), None).await);
    }

    #[tokio::test]
    async fn passwords_over_1024_characters_are_refused_without_hashing() {
        let long = "a".repeat(MAX_CHECKED_CHARS + 1);
        let h = hash_blocking(&long).unwrap();
        assert!(!verify(long.clone(), Some(h)).await);
        assert!(hash(long).await.is_err());
        let at_limit = "あ".repeat(MAX_CHECKED_CHARS);
        let h = hash(at_limit.clone()).await.unwrap();
        assert!(verify(at_limit, Some(h)).await);
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let p = generate();
        assert_eq!(p.chars().count(), 20);
        assert!(check_policy(&p, &[]).is_ok());
        assert_ne!(p, generate());
    }
}
