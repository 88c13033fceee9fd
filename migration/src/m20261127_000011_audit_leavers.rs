//! Which leavers each audit entry is about, so that a person's access log is an index lookup
//! and one entry can name every person a page showed. Append-only like the log itself;
//! filled in for the entries already written.
use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLeavers {
    Table,
    LeaverId,
    AuditId,
}

/// The leaver an entry written before this migration is about: a leaver entry's own id, or
/// the `leaver N;` that starts the summaries of entries about a person's consultations,
/// allowances, plans and extensions.
fn subject(entity: &str, entity_id: Option<i64>, summary: &str) -> Option<i32> {
    if entity == "leaver" {
        return entity_id.and_then(|id| <i32 as std::convert::TryFrom<i64>>::try_from(id).ok());
    }
    summary
        .strip_prefix("leaver ")?
        .split(';')
        .next()?
        .parse()
        .ok()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        match backend {
            // The primary key is the whole row: SQLite keeps it in one b-tree.
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE TABLE audit_leavers (leaver_id integer NOT NULL, \
                     audit_id bigint NOT NULL, PRIMARY KEY (leaver_id, audit_id)) WITHOUT ROWID",
                )
                .await?;
            }
            _ => {
                manager
                    .create_table(
                        Table::create()
                            .table(AuditLeavers::Table)
                            .col(integer(AuditLeavers::LeaverId))
                            .col(big_integer(AuditLeavers::AuditId))
                            .primary_key(
                                Index::create()
                                    .col(AuditLeavers::LeaverId)
                                    .col(AuditLeavers::AuditId),
                            )
                            .to_owned(),
                    )
                    .await?;
            }
        }
        let mut last = 0i64;
        loop {
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    match backend {
                        DbBackend::Postgres => {
                            "SELECT id, entity, entity_id, summary FROM audit_log \
                             WHERE id > $1 ORDER BY id LIMIT 5000"
                        }
                        _ => {
                            "SELECT id, entity, entity_id, summary FROM audit_log \
                             WHERE id > ? ORDER BY id LIMIT 5000"
                        }
                    },
                    [last.into()],
                ))
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut insert = Query::insert()
                .into_table(AuditLeavers::Table)
                .columns([AuditLeavers::LeaverId, AuditLeavers::AuditId])
                .to_owned();
            let mut any = false;
            for row in &rows {
                let id: i64 = row.try_get("", "id")?;
                let entity: String = row.try_get("", "entity")?;
                let entity_id: Option<i64> = row.try_get("", "entity_id")?;
                let summary: String = row.try_get("", "summary")?;
                if let Some(leaver) = subject(&entity, entity_id, &summary) {
                    insert.values_panic([leaver.into(), id.into()]);
                    any = true;
                }
                last = id;
            }
            if any {
                manager.exec_stmt(insert).await?;
            }
        }
        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_leavers_append_only BEFORE UPDATE OR DELETE ON audit_leavers \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_leavers_no_update BEFORE UPDATE ON audit_leavers \
                     BEGIN SELECT RAISE(ABORT, 'audit_leavers is append-only'); END",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_leavers_no_delete BEFORE DELETE ON audit_leavers \
                     BEGIN SELECT RAISE(ABORT, 'audit_leavers is append-only'); END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLeavers::Table).to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn subjects_of_earlier_entries() {
        assert_eq!(subject("leaver", Some(7), "/leavers/7"), Some(7));
        assert_eq!(subject("leaver", None, "/leavers"), None);
        assert_eq!(
            subject("allowance", Some(3), "leaver 12; status: a → b"),
            Some(12)
        );
        assert_eq!(
            subject("user", Some(3), "role: coordinator → finance"),
            None
        );
        assert_eq!(subject("plan", Some(3), "leaver x; version 1"), None);
    }
}
