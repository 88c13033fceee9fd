//! Each leaver's open follow-up, kept on the leaver beside their last held consultation: the
//! follow-up date set by their latest consultation that set one, and when that consultation
//! took place (a consultation held after it closes the follow-up). The follow-up lists and
//! reminders then read a range of one index instead of each person's history. Kept up to date
//! by every write of a consultation; filled here from the history.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Leavers {
    Table,
    FollowUpOn,
    FollowUpSetAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column at a time: SQLite alters a table one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .add_column(ColumnDef::new(Leavers::FollowUpOn).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .add_column(
                        ColumnDef::new(Leavers::FollowUpSetAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let latest = "FROM consultations c WHERE c.leaver_id = leavers.id \
                      AND c.next_follow_up_on IS NOT NULL AND c.status <> 'cancelled' \
                      ORDER BY c.held_at DESC, c.id DESC LIMIT 1";
        db.execute_unprepared(&format!(
            "UPDATE leavers SET follow_up_on = (SELECT c.next_follow_up_on {latest}), \
             follow_up_set_at = (SELECT c.held_at {latest})"
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX idx_leavers_follow_up ON leavers (follow_up_on) \
             WHERE follow_up_on IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_leavers_follow_up")
            .await?;
        for column in [Leavers::FollowUpSetAt, Leavers::FollowUpOn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Leavers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
