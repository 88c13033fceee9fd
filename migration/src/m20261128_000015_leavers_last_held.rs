//! Each leaver's last held consultation, kept on the leaver: the "no contact" lists and
//! reminders then filter the register by an indexed column instead of reading every person's
//! history. Kept up to date by every write of a consultation; filled here from the history.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Leavers {
    Table,
    LastHeldAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .add_column(
                        ColumnDef::new(Leavers::LastHeldAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE leavers SET last_held_at = (SELECT MAX(c.held_at) FROM consultations c \
             WHERE c.leaver_id = leavers.id AND c.status = 'held')",
        )
        .await?;
        // A caseload's quiet people, picked out and counted from this index alone, in the
        // order of their names.
        db.execute_unprepared(
            "CREATE INDEX idx_leavers_contact ON leavers (status, coordinator_id, sort_key, \
             support_ends_on, contact_every_days, last_held_at, support_starts_on)",
        )
        .await?;
        // The few distinct personal cadences, read without scanning the register.
        db.execute_unprepared(
            "CREATE INDEX idx_leavers_cadence ON leavers (contact_every_days) \
             WHERE contact_every_days IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_leavers_cadence")
            .await?;
        db.execute_unprepared("DROP INDEX idx_leavers_contact")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .drop_column(Leavers::LastHeldAt)
                    .to_owned(),
            )
            .await
    }
}
