//! The staff roles: what each may do is declared where each feature mounts its paths.
use serde::{Deserialize, Serialize};

/// What a staff member may do (DESIGN 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Coordinator,
    Finance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Coordinator, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalog id of the role's name.
    pub fn message_id(self) -> &'static str {
        match self {
            Role::Coordinator => "role-coordinator",
            Role::Finance => "role-finance",
            Role::Admin => "role-admin",
        }
    }
}

#[cfg(test)]
mod tests {

    use super::Role;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::parse(""), None);
    }
}
