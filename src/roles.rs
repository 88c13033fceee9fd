//! The staff roles: what each may do is declared where each feature mounts its paths.
/// Stored on the account by the entity, with its names.
pub use entity::users::Role;

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
