//! Where settings come from, and reading one: environment variables over `aftercare.toml`,
//! each value checked, an error naming the variable.
use std::{collections::BTreeMap, path::PathBuf, str::FromStr};

/// A setting that could not be used; `Display` is the one line shown to the operator.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

/// Where settings come from: environment variables win over the optional `aftercare.toml`.
#[derive(Default)]
pub struct Sources {
    values: BTreeMap<String, String>,
}

pub(super) const PREFIX: &str = "AFTERCARE_";

impl Sources {
    /// Settings from `aftercare.toml` (if present in the working directory, or the file named
    /// by `AFTERCARE_CONFIG_FILE`), overlaid by `AFTERCARE_*` environment variables.
    pub fn from_environment() -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with(PREFIX))
            .collect();
        let file_var = format!("{PREFIX}CONFIG_FILE");
        let (path, required) = match env.get(&file_var) {
            Some(p) => (PathBuf::from(p), true),
            None => (PathBuf::from("aftercare.toml"), false),
        };
        let mut sources = Sources::default();
        match std::fs::read_to_string(&path) {
            Ok(text) => sources.merge_toml(&text).map_err(|problem| ConfigError {
                variable: path.display().to_string(),
                problem,
            })?,
            Err(_) if !required => {}
            Err(e) => {
                return Err(ConfigError {
                    variable: file_var,
                    problem: format!("cannot read {}: {e}", path.display()),
                });
            }
        }
        for (k, v) in env {
            sources.values.insert(k, v);
        }
        Ok(sources)
    }

    /// Settings given as (variable, value) pairs, e.g. by tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Sources {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub(super) fn merge_toml(&mut self, text: &str) -> Result<(), String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for (key, value) in table {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => return Err(format!("{key}: unsupported {} value", other.type_str())),
            };
            self.values
                .insert(format!("{PREFIX}{}", key.to_ascii_uppercase()), value);
        }
        Ok(())
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&format!("{PREFIX}{name}"))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    pub(super) fn parse<T>(&self, name: &str, default: T, expected: &str) -> Result<T, ConfigError>
    where
        T: FromStr,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| invalid(name, expected)),
        }
    }
}

pub(super) fn invalid(name: &str, expected: &str) -> ConfigError {
    // The value itself is not echoed: it may hold a password (SMTP URL, database URL).
    ConfigError {
        variable: format!("{PREFIX}{name}"),
        problem: format!("invalid value, expected {expected}"),
    }
}

pub(super) fn parse_bool(
    sources: &Sources,
    name: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match sources.get(name).map(|s| s.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(_) => Err(invalid(name, "true or false")),
    }
}

/// Comma-separated addresses (`10.0.0.5`) or networks (`10.0.0.0/8`).
pub(super) fn parse_networks(
    sources: &Sources,
    name: &str,
) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = sources.get(name) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        name,
                        "IP addresses or networks separated by commas, such as 10.0.0.5,192.168.0.0/24",
                    )
                })
        })
        .collect()
}

pub(super) fn parse_positive(
    sources: &Sources,
    name: &str,
    default: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    let value: u32 = sources.parse(name, default, "a whole number")?;
    if value == 0 || value > max {
        return Err(invalid(name, &format!("a whole number from 1 to {max}")));
    }
    Ok(value)
}

/// `AFTERCARE_MFA_REQUIRED_ROLES`: unset is `admin,finance`; `None` when it names no role.
pub(super) fn parse_mfa_roles(raw: Option<&str>) -> Option<Vec<crate::roles::Role>> {
    use crate::roles::Role;
    match raw.map(|r| r.trim().to_ascii_lowercase()) {
        None => Some(vec![Role::Admin, Role::Finance]),
        Some(r) if r == "all" => Some(Role::ALL.to_vec()),
        Some(r) if r == "none" => Some(Vec::new()),
        Some(r) => r
            .split(',')
            .map(|part| Role::parse(part.trim()))
            .collect::<Option<Vec<_>>>()
            .filter(|roles| !roles.is_empty()),
    }
}

#[cfg(test)]
mod mfa_roles_tests {
    use super::parse_mfa_roles;
    use crate::roles::Role;

    #[test]
    fn the_roles_that_need_a_second_factor_are_read_from_the_setting() {
        assert_eq!(
            parse_mfa_roles(None),
            Some(vec![Role::Admin, Role::Finance])
        );
        assert_eq!(parse_mfa_roles(Some("all")).unwrap().len(), 3);
        assert_eq!(parse_mfa_roles(Some("none")), Some(Vec::new()));
        assert_eq!(parse_mfa_roles(Some("finance")), Some(vec![Role::Finance]));
        assert_eq!(parse_mfa_roles(Some("finance, root")), None);
        assert_eq!(parse_mfa_roles(Some("")), None);
    }
}
