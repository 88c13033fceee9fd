//! Field errors collected while parsing a form, shown beside each field.
use std::collections::BTreeMap;

/// Message ids of the catalog, keyed by form field name.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(BTreeMap<&'static str, &'static str>);

impl FormErrors {
    /// Records the first problem found for `field`.
    pub fn add(&mut self, field: &'static str, message_id: &'static str) {
        self.0.entry(field).or_insert(message_id);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn fields(&self) -> impl Iterator<Item = &&'static str> {
        self.0.keys()
    }
}
