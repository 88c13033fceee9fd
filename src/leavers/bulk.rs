//! Creating many records at once (an import): the same records and audit entries as
//! `queries::create` one by one, in a few statements per hundred records instead of six per
//! record.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{leavers, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    audit::chain::{self as audit, Entry},
    leavers::{
        forms::LeaverInput,
        queries::{ENTITY, LeaverError, given_fields, map_unique, new_record},
        window::WindowRules,
    },
    roles::Role,
};

/// Records a statement inserts: thirty values each, well under every backend's limit.
const CHUNK: usize = 100;

/// Why a batch was refused, and the position in `inputs` of the first record concerned.
#[derive(Debug)]
pub struct Refused {
    pub index: usize,
    pub error: LeaverError,
}

impl From<sea_orm::DbErr> for Refused {
    fn from(e: sea_orm::DbErr) -> Self {
        Refused {
            index: 0,
            error: LeaverError::Db(e),
        }
    }
}

/// Creates every record of `inputs` (all active) with its audit entry, in `txn`; their ids
/// in the same order. Nothing is written when a case number is taken or a coordinator is not
/// an active coordinator.
pub async fn create_many(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<i32>,
    inputs: &[&LeaverInput],
    rules: &WindowRules,
) -> Result<Vec<i32>, Refused> {
    // The few coordinators named (a file of 40,000 rows would pass a statement's bind limit).
    let mut wanted: Vec<i32> = inputs.iter().filter_map(|i| i.coordinator_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let valid: HashSet<i32> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Id.is_in(wanted))
        .filter(users::Column::Role.eq(Role::Coordinator))
        .filter(users::Column::Active.eq(true))
        .into_tuple::<i32>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if let Some(index) = inputs
        .iter()
        .position(|i| i.coordinator_id.is_some_and(|c| !valid.contains(&c)))
    {
        return Err(Refused {
            index,
            error: LeaverError::UnknownCoordinator,
        });
    }
    // The register's case numbers, read once (a lookup per hundred records was a scan each on
    // a table PostgreSQL had not analysed yet).
    let taken: HashSet<String> = leavers::Entity::find()
        .select_only()
        .column(leavers::Column::CaseNumber)
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if let Some(index) = inputs.iter().position(|i| taken.contains(&i.case_number)) {
        return Err(Refused {
            index,
            error: LeaverError::CaseNumberTaken,
        });
    }
    let mut ids = Vec::with_capacity(inputs.len());
    for (n, chunk) in inputs.chunks(CHUNK).enumerate() {
        let models = chunk.iter().map(|input| new_record(input, rules, now));
        // A record written meanwhile by another instance still meets the unique key.
        let saved: HashMap<String, i32> = leavers::Entity::insert_many(models)
            .exec_with_returning(txn)
            .await
            .map_err(|e| Refused {
                index: n * CHUNK,
                error: map_unique(e),
            })?
            .into_iter()
            .map(|l| (l.case_number, l.id))
            .collect();
        ids.extend(
            chunk
                .iter()
                .map(|i| saved.get(&i.case_number).copied().unwrap_or(0)),
        );
    }
    let summaries: Vec<String> = inputs
        .iter()
        .map(|i| format!("fields: {}", given_fields(i).join(", ")))
        .collect();
    let entries: Vec<Entry> = ids
        .iter()
        .zip(&summaries)
        .map(|(id, summary)| Entry {
            actor_id: actor,
            action: "create",
            entity: ENTITY,
            entity_id: Some((*id).into()),
            summary,
        })
        .collect();
    audit::append(txn, now, &entries).await?;
    Ok(ids)
}
