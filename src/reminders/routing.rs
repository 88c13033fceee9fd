//! Routing: who receives each reminder, and one digest per recipient. Pure: no database, no
//! clock, so every case is a unit test.
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{item::Address, item::Item, item::Recipient};

/// The active staff of a run.
#[derive(Clone, Debug, Default)]
pub struct Staff {
    pub active: HashSet<i32>,
    pub admins: Vec<i32>,
    pub finance: Vec<i32>,
}

/// No account has this id: the recipient of reminders about a leaver without an assigned
/// coordinator, until `route_to_team_leads` hands them on.
pub const UNASSIGNED: i32 = 0;

/// The assigned coordinator as a recipient.
pub fn coordinator(coordinator_id: Option<i32>) -> Recipient {
    Recipient::User(coordinator_id.unwrap_or(UNASSIGNED))
}

/// Reminders for a coordinator who cannot receive them (none assigned, or the account is
/// deactivated) go to every active administrator instead, each under a key of its own, so
/// that nothing is dropped because of a gap in the caseload.
pub fn to_team_leads(items: Vec<Item>, staff: &Staff) -> Vec<Item> {
    let (active, admins) = (&staff.active, &staff.admins);
    let mut out = Vec::with_capacity(items.len());
    let mut stranded = 0usize;
    for item in items {
        match item.recipient {
            Recipient::User(id) if !active.contains(&id) => {
                if admins.is_empty() {
                    stranded += 1;
                }
                for admin in admins {
                    out.push(Item {
                        key: format!("{}/lead:{admin}", item.key),
                        recipient: Recipient::User(*admin),
                        ..item.clone()
                    });
                }
            }
            _ => out.push(item),
        }
    }
    if stranded > 0 {
        tracing::warn!(
            reminders = stranded,
            "reminders without an active coordinator and no active administrator to receive them"
        );
    }
    out
}

/// The digests of one run: items grouped by recipient (who has an address).
pub fn digests(
    items: Vec<Item>,
    addresses: &HashMap<Recipient, Address>,
) -> BTreeMap<Recipient, Vec<Item>> {
    let mut out: BTreeMap<Recipient, Vec<Item>> = BTreeMap::new();
    let mut unaddressed = 0usize;
    for item in items {
        if addresses.contains_key(&item.recipient) {
            out.entry(item.recipient).or_default().push(item);
        } else {
            unaddressed += 1;
        }
    }
    if unaddressed > 0 {
        tracing::warn!(
            reminders = unaddressed,
            "reminders whose recipient has no address"
        );
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (a.rule, &a.case_number).cmp(&(b.rule, &b.case_number)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        i18n::Lang,
        reminders::{item::Detail, rules::Rule},
    };

    fn item(key: &str, recipient: Recipient, case: &str, rule: Rule) -> Item {
        Item {
            rule,
            key: key.into(),
            recipient,
            subject_id: 1,
            leaver_id: Some(1),
            case_number: case.into(),
            name: String::new(),
            detail: Detail::LastContact(None),
        }
    }

    fn staff(active: &[i32], admins: &[i32]) -> Staff {
        Staff {
            active: active.iter().copied().collect(),
            admins: admins.to_vec(),
            finance: Vec::new(),
        }
    }

    fn address() -> Address {
        Address {
            email: "a@example.jp".into(),
            name: "A".into(),
            language: Lang::Ja,
        }
    }

    #[test]
    fn an_active_coordinators_reminder_stays_with_them() {
        let items = vec![item("k", Recipient::User(7), "SP-1", Rule::NoContact)];
        let out = to_team_leads(items, &staff(&[7, 1], &[1]));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].recipient, Recipient::User(7));
        assert_eq!(out[0].key, "k");
    }

    #[test]
    fn an_unassigned_or_deactivated_coordinators_reminder_goes_to_every_admin_under_its_own_key() {
        let items = vec![
            item("a", coordinator(None), "SP-1", Rule::NoContact),
            item("b", Recipient::User(9), "SP-2", Rule::NoContact),
        ];
        let out = to_team_leads(items, &staff(&[1, 2], &[1, 2]));
        let routed: Vec<(&str, Recipient)> =
            out.iter().map(|i| (i.key.as_str(), i.recipient)).collect();
        assert_eq!(
            routed,
            [
                ("a/lead:1", Recipient::User(1)),
                ("a/lead:2", Recipient::User(2)),
                ("b/lead:1", Recipient::User(1)),
                ("b/lead:2", Recipient::User(2)),
            ]
        );
    }

    #[test]
    fn with_no_active_admin_a_stranded_reminder_is_dropped_not_sent_to_nobody() {
        let items = vec![item("a", coordinator(None), "SP-1", Rule::NoContact)];
        assert!(to_team_leads(items, &staff(&[5], &[])).is_empty());
    }

    #[test]
    fn a_young_persons_reminder_is_never_rerouted() {
        let items = vec![item("a", Recipient::Leaver(3), "SP-1", Rule::Appointment)];
        let out = to_team_leads(items, &staff(&[1], &[1]));
        assert_eq!(out[0].recipient, Recipient::Leaver(3));
    }

    #[test]
    fn digests_group_by_recipient_in_rule_then_case_order_and_skip_the_unaddressed() {
        let items = vec![
            item("1", Recipient::User(1), "SP-9", Rule::NoContact),
            item("2", Recipient::User(1), "SP-2", Rule::NoContact),
            item("3", Recipient::User(1), "SP-5", Rule::FollowUpDue),
            item("4", Recipient::User(2), "SP-1", Rule::NoContact),
        ];
        let addresses = HashMap::from([(Recipient::User(1), address())]);
        let out = digests(items, &addresses);
        assert_eq!(out.len(), 1);
        let keys: Vec<&str> = out[&Recipient::User(1)]
            .iter()
            .map(|i| i.key.as_str())
            .collect();
        let mut expected = [
            ("3", Rule::FollowUpDue),
            ("2", Rule::NoContact),
            ("1", Rule::NoContact),
        ];
        expected.sort_by_key(|(_, r)| *r);
        assert_eq!(keys, expected.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    }
}
