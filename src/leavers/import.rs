//! Importing a register from CSV (UTF-8 with or without BOM, or Shift_JIS as Excel in Japan
//! saves it). Every row is checked first; one wrong row and nothing is imported, with a report
//! naming each row and field. Otherwise all rows go in in one transaction.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use unicode_normalization::UnicodeNormalization;

use crate::{
    audit::chain::{self as audit, Entry},
    db,
    leavers::{
        bulk::{self, Refused},
        forms::{LeaverForm, LeaverInput},
        queries::{self, ENTITY, LeaverError, StatusChange},
        rules::Status,
        window::WindowRules,
    },
    web::forms::FormErrors,
};

/// Columns the file may have (DESIGN 2.2 field names); `coordinator_id` also takes a
/// coordinator's email address.
pub const COLUMNS: &[&str] = &[
    "case_number",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "date_of_birth",
    "placement_type",
    "placement_ended_on",
    "living_situation",
    "email",
    "phone",
    "address",
    "contact_consent",
    "coordinator_id",
    "status",
    "closed_reason",
    "notes",
    "contact_every_days",
    "language",
];

pub const REQUIRED_COLUMNS: &[&str] = &[
    "case_number",
    "family_name",
    "given_name",
    "date_of_birth",
    "placement_type",
    "placement_ended_on",
];

/// One problem in the file: its row (1 is the header, as in a spreadsheet), the column, and a
/// catalog id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message_id: &'static str,
}

#[derive(Debug)]
pub enum Outcome {
    Imported(usize),
    Rejected(Vec<RowError>),
}

/// The text of the file: UTF-8 (a BOM is dropped), else Shift_JIS.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    (!had_errors).then(|| text.into_owned())
}

#[derive(Debug)]
struct Row {
    line: u64,
    input: LeaverInput,
    status: Status,
    closed_reason: Option<String>,
}

fn file_error(message_id: &'static str, field: &str) -> Vec<RowError> {
    vec![RowError {
        line: 1,
        field: field.to_string(),
        message_id,
    }]
}

/// Checks every row. `coordinators` maps ids and lower-case emails of active coordinators to
/// their ids; `existing` holds case numbers already in the register.
fn check(
    text: &str,
    today: NaiveDate,
    coordinators: &HashMap<String, i32>,
    existing: &HashSet<String>,
) -> Result<Vec<Row>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_string()).collect(),
        Err(_) => return Err(file_error("import-unreadable", "")),
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(RowError {
                line: 1,
                field: h.clone(),
                message_id: "import-unknown-column",
            });
        }
    }
    for required in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == required) {
            errors.push(RowError {
                line: 1,
                field: required.to_string(),
                message_id: "import-missing-column",
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (index, record) in reader.records().enumerate() {
        // Row numbers as a spreadsheet shows them: the header is row 1.
        let line = index as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                errors.push(RowError {
                    line,
                    field: String::new(),
                    message_id: "import-bad-row",
                });
                continue;
            }
        };
        let value = |name: &str| -> String {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_string()
        };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let mut row_errors = FormErrors::default();
        let coordinator_raw = value("coordinator_id").trim().to_lowercase();
        let coordinator_id = if coordinator_raw.is_empty() {
            String::new()
        } else {
            match coordinators.get(&coordinator_raw) {
                Some(id) => id.to_string(),
                None => {
                    row_errors.add("coordinator_id", "leaver-coordinator-invalid");
                    String::new()
                }
            }
        };
        let form = LeaverForm {
            case_number: value("case_number"),
            family_name: value("family_name"),
            given_name: value("given_name"),
            family_name_kana: value("family_name_kana"),
            given_name_kana: value("given_name_kana"),
            date_of_birth: value("date_of_birth"),
            placement_type: value("placement_type"),
            placement_ended_on: value("placement_ended_on"),
            living_situation: value("living_situation"),
            email: value("email"),
            phone: value("phone"),
            address: value("address"),
            contact_consent: value("contact_consent"),
            coordinator_id,
            notes: value("notes"),
            contact_every_days: value("contact_every_days"),
            language: value("language"),
            version: String::new(),
        };
        // Normalised as the form does, so "ＡＢ-１" and "AB-1" are the same case number.
        let case_number: String = form.case_number.trim().nfkc().collect();
        if !case_number.is_empty() {
            if existing.contains(&case_number) {
                row_errors.add("case_number", "leaver-case-number-taken");
            } else if !seen.insert(case_number) {
                row_errors.add("case_number", "import-case-number-repeated");
            }
        }
        let input = form.parse(today, &mut row_errors);
        let status = match value("status").trim() {
            "" => Some(Status::Active),
            s => Status::parse(s),
        };
        if status.is_none() {
            row_errors.add("status", "import-status-invalid");
        }
        let closed_reason =
            Some(value("closed_reason").trim().to_string()).filter(|r| !r.is_empty());
        if status == Some(Status::Closed) && closed_reason.is_none() {
            row_errors.add("closed_reason", "leaver-closed-reason-required");
        }
        if closed_reason
            .as_deref()
            .is_some_and(crate::web::forms::has_forbidden_text_character)
        {
            row_errors.add("closed_reason", "leaver-text-too-long");
        }
        match (input, status) {
            (Some(input), Some(status)) if row_errors.is_empty() => rows.push(Row {
                line,
                input,
                status,
                closed_reason,
            }),
            _ => errors.extend(row_errors.fields().map(|f| RowError {
                line,
                field: f.to_string(),
                message_id: row_errors.get(f).unwrap_or("import-bad-row"),
            })),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(file_error("import-empty", ""));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Checks and, when every row is right, imports the file in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    actor: Option<i32>,
    bytes: &[u8],
    rules: &WindowRules,
) -> anyhow::Result<Outcome> {
    let Some(text) = decode(bytes) else {
        return Ok(Outcome::Rejected(file_error("import-encoding", "")));
    };
    let coordinators: HashMap<String, i32> = entity::users::Entity::find()
        .filter(entity::users::Column::Role.eq(crate::roles::Role::Coordinator))
        .filter(entity::users::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .flat_map(|u| [(u.id.to_string(), u.id), (u.email.to_lowercase(), u.id)])
        .collect();
    let existing: HashSet<String> = entity::leavers::Entity::find()
        .select_only()
        .column(entity::leavers::Column::CaseNumber)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let rows = match check(&text, today, &coordinators, &existing) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Outcome::Rejected(errors)),
    };
    let txn = db::begin_write(db).await?;
    let inputs: Vec<&LeaverInput> = rows.iter().map(|r| &r.input).collect();
    let ids = match bulk::create_many(&txn, now, actor, &inputs, rules).await {
        Ok(ids) => ids,
        // Someone added the same case number, or retired a coordinator, since the check:
        // report it, import nothing.
        Err(Refused { index, error }) => {
            let (field, message_id) = match error {
                LeaverError::CaseNumberTaken => ("case_number", "leaver-case-number-taken"),
                LeaverError::UnknownCoordinator => ("coordinator_id", "leaver-coordinator-invalid"),
                e => return Err(e.into()),
            };
            return Ok(Outcome::Rejected(vec![RowError {
                line: rows.get(index).map_or(0, |r| r.line),
                field: field.into(),
                message_id,
            }]));
        }
    };
    for (row, id) in rows.iter().zip(ids) {
        if row.status != Status::Active {
            let change = StatusChange {
                version: 1,
                to: row.status,
                reason: row.closed_reason.as_deref(),
            };
            queries::change_status(&txn, now, today, actor, id, &change).await?;
        }
    }
    let summary = format!("imported {} records", rows.len());
    audit::record(
        &txn,
        now,
        Entry {
            actor_id: actor,
            action: "import",
            entity: ENTITY,
            entity_id: None,
            summary: &summary,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Outcome::Imported(rows.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    const HEADER: &str =
        "case_number,family_name,given_name,date_of_birth,placement_type,placement_ended_on";

    #[test]
    fn utf8_with_bom_and_shift_jis_are_read() {
        let text = "case_number\n山田\n";
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&with_bom).unwrap(), text);
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(std::str::from_utf8(&sjis).is_err());
        assert_eq!(decode(&sjis).unwrap(), text);
        assert_eq!(decode(b"\xFF\xFF\xFF"), None);
    }

    #[test]
    fn header_problems_are_reported_on_line_one() {
        let errors = check(
            "case_number,nickname\nA,B\n",
            today(),
            &HashMap::new(),
            &HashSet::new(),
        )
        .unwrap_err();
        assert!(errors.contains(&RowError {
            line: 1,
            field: "nickname".into(),
            message_id: "import-unknown-column"
        }));
        assert!(
            errors
                .iter()
                .any(|e| e.field == "date_of_birth" && e.message_id == "import-missing-column")
        );
    }

    #[test]
    fn every_wrong_row_and_field_is_reported() {
        let text = format!(
            "{HEADER},coordinator_id\n\
             A-1,山田,花子,2006-04-02,childrens_home,2024-03-31,c@example.jp\n\
             A-2,,太郎,2006-02-30,nowhere,2024-03-31,\n\
             A-1,鈴木,次郎,2006-04-02,foster_care,2024-03-31,nobody@example.jp\n"
        );
        let coordinators = HashMap::from([("c@example.jp".to_string(), 7)]);
        let errors = check(&text, today(), &coordinators, &HashSet::new()).unwrap_err();
        let got: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.message_id))
            .collect();
        assert_eq!(
            got,
            [
                (3, "family_name", "leaver-name-required"),
                (3, "date_of_birth", "leaver-date-invalid"),
                (3, "placement_type", "leaver-placement-type-invalid"),
                (4, "coordinator_id", "leaver-coordinator-invalid"),
                (4, "case_number", "import-case-number-repeated"),
            ]
        );
    }

    #[test]
    fn good_rows_are_parsed_with_coordinators_by_email_or_id() {
        let text = format!(
            "{HEADER},coordinator_id,status,closed_reason\n\
             A-1,山田,花子,2006-04-02,childrens_home,2024-03-31,C@Example.jp,,\n\
             A-2,鈴木,次郎,2006-04-02,foster_care,2024-03-31,7,closed,moved\n\
             ,,,,,,,,\n"
        );
        let coordinators = HashMap::from([("c@example.jp".to_string(), 7), ("7".to_string(), 7)]);
        let rows = check(&text, today(), &coordinators, &HashSet::new()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].input.coordinator_id, Some(7));
        assert_eq!(rows[1].status, Status::Closed);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn an_existing_case_number_is_refused() {
        let text = format!("{HEADER}\nA-1,山田,花子,2006-04-02,childrens_home,2024-03-31\n");
        let existing = HashSet::from(["A-1".to_string()]);
        let errors = check(&text, today(), &HashMap::new(), &existing).unwrap_err();
        assert_eq!(errors[0].message_id, "leaver-case-number-taken");
    }
}
