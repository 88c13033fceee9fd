//! The signed-in account as every request sees it.
use serde::{Deserialize, Serialize};

use crate::{i18n::Lang, roles::Role};

/// An active account, read with its session on every request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub language: Lang,
    pub session_epoch: i32,
    /// Whether the account signs in with a second factor.
    #[serde(default)]
    pub mfa_enrolled: bool,
}
