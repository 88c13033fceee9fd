//! Sending email: SMTP (TLS, STARTTLS or plain, optional login, pooled) when
//! `AFTERCARE_SMTP_URL` is set, else `.eml` files in `DATA_DIR/outbox`.
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::Mailbox, transport::smtp::PoolConfig,
};

use crate::config::Config;

pub enum Mailer {
    Folder(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        match &config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("AFTERCARE_SMTP_URL: {e}"))?
                    .pool_config(PoolConfig::new().max_size(4))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                let dir = config.outbox_dir();
                std::fs::create_dir_all(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
                Ok(Mailer::Folder(AsyncFileTransport::new(dir)))
            }
        }
    }

    /// The configured sender.
    pub fn sender(config: &Config) -> Mailbox {
        config
            .mail_from
            .parse()
            .expect("AFTERCARE_MAIL_FROM was checked when the configuration was read")
    }

    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Mailer::Folder(t) => {
                t.send(message).await?;
            }
            Mailer::Smtp(t) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }
}
