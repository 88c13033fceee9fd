//! An audit entry in the reader's language. Entries are stored as they were written (the log
//! is chained and never rewritten): `leaver 12; status: submitted → approved; fields: email`.
//! Here each known part becomes words of the catalogs (the person by their case number, a
//! status, a field, a kind, a month, an amount); a part not known is shown as stored.
use std::collections::HashMap;

use chrono::NaiveDate;

use crate::{clock::Month, i18n::Lang, i18n::Tr, i18n::Yen, i18n::format_yen};

/// Case numbers of the people entries name, by record id.
pub type CaseNumbers = HashMap<i64, String>;

/// The ids of the people an entry names: its subject when it is a record, and any
/// `leaver N` part of its summary.
pub fn leaver_ids(entity: &str, entity_id: Option<i64>, summary: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = summary
        .split("; ")
        .filter_map(|part| part.strip_prefix("leaver ")?.trim().parse().ok())
        .collect();
    if entity == "leaver" {
        ids.extend(entity_id);
    }
    ids
}

/// The summary part that marks what the young person did or saw through their link.
const BY_PERSON: &str = "person";

/// Whether an entry records the young person's own step (their actor is themselves, 本人).
pub fn is_by_person(summary: &str) -> bool {
    summary.split("; ").any(|part| part == BY_PERSON)
}

/// The summary part that names the API token that made a call or a change: `token N`.
pub fn by_token(token_id: i32) -> String {
    format!("token {token_id}")
}

/// The API token an entry names as its actor, if any.
pub fn token_of(summary: &str) -> Option<i32> {
    summary
        .split("; ")
        .find_map(|part| part.strip_prefix("token ")?.parse().ok())
}

/// A summary without the parts that name its actor (the person themselves, or an API token),
/// which are shown as the actor.
pub fn without_person(summary: &str) -> String {
    summary
        .split("; ")
        .filter(|part| *part != BY_PERSON && token_of(part).is_none())
        .collect::<Vec<_>>()
        .join("; ")
}

/// What an entry is about: the record by its case number, anything else by kind and number.
pub fn subject(tr: &Tr, entity: &str, entity_id: Option<i64>, cases: &CaseNumbers) -> String {
    let kind = tr.t(&format!("audit-entity-{entity}"));
    match (entity, entity_id) {
        ("leaver", Some(id)) => match cases.get(&id) {
            Some(case) => format!("{kind} {case}"),
            None => format!("{kind} #{id}"),
        },
        (_, Some(id)) => format!("{kind} #{id}"),
        (_, None) => kind,
    }
}

/// The message id of a status of this kind of record, when the catalogs have one.
fn status_id(entity: &str, code: &str) -> String {
    let prefix = match entity {
        "leaver" => "leaver-status-",
        "allowance" => "allowance-status-",
        "plan" => "plan-status-",
        "extension" => "extension-status-",
        "consultation" => "consultation-status-",
        "disclosure" => "disclosure-status-",
        "payment" => "payment-status-",
        _ => "",
    };
    format!("{prefix}{}", code.trim().replace('_', "-"))
}

/// A stored code in words, or as stored when the catalogs have no words for it.
fn word(tr: &Tr, id: &str, raw: &str) -> String {
    if tr.has(id) {
        tr.t(id)
    } else {
        raw.trim().to_string()
    }
}

fn field(tr: &Tr, entity: &str, name: &str) -> String {
    let kebab = name.trim().replace('_', "-");
    let prefix = match entity {
        "consultation" => "consultation-field-",
        "plan" => "plan-field-",
        "allowance" => "allowance-field-",
        "extension" => "extension-field-",
        "user" => "field-",
        _ => "leaver-field-",
    };
    word(tr, &format!("{prefix}{kebab}"), name)
}

fn list_separator(tr: &Tr) -> &'static str {
    match tr.lang {
        Lang::En => ", ",
        Lang::Ja => "、",
    }
}

fn yen(raw: &str) -> String {
    raw.trim()
        .parse::<i64>()
        .map(|n| format_yen(Yen(n)))
        .unwrap_or_else(|_| raw.trim().to_string())
}

fn date(tr: &Tr, raw: &str) -> String {
    raw.trim()
        .parse::<NaiveDate>()
        .map(|d| tr.date(d))
        .unwrap_or_else(|_| raw.trim().to_string())
}

/// One code, or a change of code (`a → b`), in words.
fn codes(tr: &Tr, prefix: &str, value: &str) -> String {
    value
        .split(" → ")
        .map(|code| word(tr, &format!("{prefix}-{}", code.trim()), code))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn labelled(tr: &Tr, label_id: &str, value: String) -> String {
    format!("{}: {value}", tr.t(label_id))
}

/// One `; `-separated part of a summary in words.
fn part(tr: &Tr, entity: &str, part: &str, cases: &CaseNumbers) -> String {
    if let Some(Ok(id)) = part
        .strip_prefix("leaver ")
        .map(|id| id.trim().parse::<i64>())
    {
        let who = cases.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        return format!("{} {who}", tr.t("audit-entity-leaver"));
    }
    for (prefix, label) in [
        ("paid on ", "payment-paid-on"),
        ("agreed on ", "plan-agreed-on"),
        ("review on ", "plan-field-review-on"),
    ] {
        if let Some(d) = part.strip_prefix(prefix) {
            return labelled(tr, label, date(tr, d));
        }
    }
    let Some((key, value)) = part.split_once(": ") else {
        return part.to_string();
    };
    let value = value.trim();
    match key.trim() {
        "status" => {
            let words: Vec<String> = value
                .split(" → ")
                .map(|code| word(tr, &status_id(entity, code), code))
                .collect();
            labelled(tr, "audit-part-status", words.join(" → "))
        }
        "fields" | "changed" => {
            let names: Vec<String> = value.split(", ").map(|f| field(tr, entity, f)).collect();
            labelled(tr, "audit-part-fields", names.join(list_separator(tr)))
        }
        "legal hold" => labelled(
            tr,
            "hold-title",
            word(
                tr,
                &format!("hold-reason-{}", value.replace('_', "-")),
                value,
            ),
        ),
        "legal hold released" => labelled(
            tr,
            "audit-part-hold-released",
            word(
                tr,
                &format!("hold-release-reason-{}", value.replace('_', "-")),
                value,
            ),
        ),
        "kind" => labelled(
            tr,
            "allowance-field-kind",
            word(tr, &format!("allowance-kind-{value}"), value),
        ),
        "months" => {
            let shown = value
                .split_once("..")
                .and_then(|(a, b)| Some(tr.months(Month::parse(a)?, Month::parse(b)?)))
                .unwrap_or_else(|| value.to_string());
            labelled(tr, "allowance-months", shown)
        }
        "month" => labelled(
            tr,
            "payment-month",
            Month::parse(value)
                .map(|m| tr.month(m))
                .unwrap_or_else(|| value.to_string()),
        ),
        "monthly" => labelled(tr, "allowance-monthly-amount", yen(value)),
        "amount" => {
            let amounts: Vec<String> = value.split(" → ").map(yen).collect();
            labelled(tr, "payment-amount", amounts.join(" → "))
        }
        "new end" => labelled(tr, "extension-field-new-end-on", date(tr, value)),
        "reason" if entity == "extension" => labelled(
            tr,
            "extension-field-reason",
            word(
                tr,
                &format!("extension-reason-{}", value.replace('_', "-")),
                value,
            ),
        ),
        "payment lines" => labelled(tr, "audit-part-payment-lines", value.to_string()),
        "cancelled months" => labelled(tr, "audit-part-cancelled-months", value.to_string()),
        "role" => labelled(tr, "field-role", codes(tr, "role", value)),
        "language" => labelled(tr, "field-language", codes(tr, "language", value)),
        _ => part.to_string(),
    }
}

/// The summary of an entry in the reader's language.
pub fn summary(tr: &Tr, entity: &str, stored: &str, cases: &CaseNumbers) -> String {
    stored
        .split("; ")
        .map(|p| part(tr, entity, p, cases))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalogs;

    fn tr(lang: Lang) -> Tr {
        Catalogs::load().unwrap().translator(lang)
    }

    fn cases() -> CaseNumbers {
        HashMap::from([(201, "SP-0201".to_string())])
    }

    #[test]
    fn a_status_change_reads_in_each_language() {
        let stored = "leaver 201; status: submitted → approved; payment lines: 2";
        assert_eq!(
            summary(&tr(Lang::En), "allowance", stored, &cases()),
            "Care leaver SP-0201 · Status: Submitted → Approved · Payment lines: 2"
        );
        assert_eq!(
            summary(&tr(Lang::Ja), "allowance", stored, &cases()),
            "支援対象者 SP-0201 · 状態: 申請中 → 承認済み · 支払の件数: 2"
        );
    }

    #[test]
    fn fields_holds_money_and_months_in_words() {
        let ja = tr(Lang::Ja);
        assert_eq!(
            summary(&ja, "leaver", "fields: email, case_number", &cases()),
            "変更した項目: メールアドレス、ケース番号"
        );
        assert_eq!(
            summary(&ja, "leaver", "legal hold: disclosure", &cases()),
            "法的保全: 開示請求"
        );
        let en = tr(Lang::En);
        assert_eq!(
            summary(
                &en,
                "allowance",
                "leaver 7; kind: housing; months: 2026-12..2027-01; monthly: 30000",
                &cases()
            ),
            "Care leaver #7 · Kind: Housing (居住費支援) · Months: 2026-12 – 2027-01 · Monthly amount: ¥30,000"
        );
        assert_eq!(
            summary(&ja, "allowance", "months: 2026-12..2027-01", &cases()),
            "期間: 2026年12月〜2027年1月"
        );
        assert_eq!(
            summary(
                &en,
                "user",
                "role: coordinator → finance; language: en",
                &cases()
            ),
            "Role: Support coordinator → Finance · Language: English"
        );
        // What is not known stays as stored.
        assert_eq!(summary(&en, "user", "/leavers/3", &cases()), "/leavers/3");
    }

    #[test]
    fn the_subject_is_named_by_case_number() {
        let en = tr(Lang::En);
        assert_eq!(
            subject(&en, "leaver", Some(201), &cases()),
            "Care leaver SP-0201"
        );
        assert_eq!(subject(&en, "allowance", Some(5), &cases()), "Allowance #5");
        assert_eq!(
            leaver_ids(
                "allowance",
                Some(5),
                "leaver 201; status: draft → submitted"
            ),
            [201]
        );
        assert_eq!(leaver_ids("leaver", Some(9), "fields: email"), [9]);
    }
}
