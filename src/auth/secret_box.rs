//! Secrets stored encrypted (a staff account's TOTP secret): XChaCha20-Poly1305 with a random
//! nonce per value, under a key that never enters the database. The key is
//! `AFTERCARE_SECRET_KEY` (64 hex digits), or `secret.key` in the data folder, created once
//! with mode 0600. A database backup or export therefore never holds a secret in clear.
use std::path::Path;

use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit},
};

/// The file in the data folder that holds the key when no setting gives one.
pub const KEY_FILE: &str = "secret.key";

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// The box for a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The key from the setting, or from the data folder's key file (created on first use).
    pub fn load(setting: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let hex_key = match setting {
            Some(k) => k.to_string(),
            None => read_or_create(&data_dir.join(KEY_FILE))?,
        };
        let bytes = hex::decode(hex_key.trim())
            .map_err(|_| anyhow::anyhow!("the secret key is not hexadecimal"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the secret key is not 32 bytes"))?;
        Ok(Self::new(&key))
    }

    /// Encrypts `plain`: hex of the nonce followed by the ciphertext and its tag.
    pub fn seal(&self, plain: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), plain)
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        Ok(format!("{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// Decrypts what [`Self::seal`] made; `None` when it was not made with this key (or was
    /// altered).
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, body) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        self.cipher.decrypt(&XNonce::from(nonce), body).ok()
    }
}

/// The name of the sealed value that tells whether the key is the one the database's secrets
/// were sealed with.
const CHECK_NAME: &str = "secret_key_check";
const CHECK_TEXT: &[u8] = b"aftercare secret key";

/// Refuses a key that does not open the database's secrets: every second factor would stop
/// working, and users would be locked out by "wrong" codes. A database without sealed secrets
/// (new, or restored into a new folder before anyone enrolled) takes the key it is given.
pub async fn check_key(
    db: &sea_orm::DatabaseConnection,
    secrets: &SecretBox,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let stored = super::secrets::get(db, CHECK_NAME).await?;
    if stored.as_deref().and_then(|s| secrets.open(s)).as_deref() == Some(CHECK_TEXT) {
        return Ok(());
    }
    let sealed_secrets = entity::users::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(entity::users::Column::MfaSecret.is_not_null())
                .add(entity::users::Column::MfaPendingSecret.is_not_null()),
        )
        .count(db)
        .await?
        + entity::webhooks::Entity::find()
            .filter(entity::webhooks::Column::RemovedAt.is_null())
            .count(db)
            .await?;
    if stored.is_some() && sealed_secrets > 0 {
        anyhow::bail!(
            "the secret key (AFTERCARE_SECRET_KEY, or secret.key in the data folder) is not the \
             one this database's second factors and webhook secrets were stored with; use that \
             key"
        );
    }
    super::secrets::put(db, CHECK_NAME, secrets.seal(CHECK_TEXT)?, now).await?;
    Ok(())
}

/// The key file's contents, creating it (mode 0600) with a new random key when missing.
fn read_or_create(path: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing);
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    let text = hex::encode(key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            Ok(text)
        }
        // Another instance on the same folder made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(path)?)
        }
        Err(e) => Err(anyhow::anyhow!("cannot create {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_unaltered() {
        let a = SecretBox::new(&[7u8; 32]);
        let b = SecretBox::new(&[8u8; 32]);
        let sealed = a.seal(b"totp secret").unwrap();
        assert!(!sealed.contains(&hex::encode(b"totp secret")));
        assert_eq!(a.open(&sealed).unwrap(), b"totp secret");
        assert_eq!(b.open(&sealed), None);
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(a.open(std::str::from_utf8(&altered).unwrap()), None);
        assert_ne!(
            a.seal(b"totp secret").unwrap(),
            sealed,
            "a new nonce each time"
        );
    }

    #[test]
    fn the_key_file_is_created_once_readable_only_by_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load(None, dir.path()).unwrap();
        let sealed = first.seal(b"x").unwrap();
        let again = SecretBox::load(None, dir.path()).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let from_setting = SecretBox::load(Some(&"ab".repeat(32)), dir.path()).unwrap();
        assert_eq!(from_setting.open(&sealed), None);
    }
}
