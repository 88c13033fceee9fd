//! Which leavers each audit entry is about, so that a person's access log is an index lookup
//! and one entry can name every person a page showed. Append-only like the log itself; the
//! application fills it from the log (entries already written included) behind the writers.
use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLeavers {
    Table,
    LeaverId,
    AuditId,
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
        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_leavers_append_only BEFORE UPDATE OR DELETE ON audit_leavers \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
                // TRUNCATE skips row triggers: refuse it on both tables.
                for table in ["audit_log", "audit_leavers"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
                    ))
                    .await?;
                }
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
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(AuditLeavers::Table).to_owned())
            .await
    }
}
