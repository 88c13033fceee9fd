//! Indexes for the "needs attention" queries, so that each person's last contact and latest
//! follow-up are one index seek, whatever the size of the register.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // A person's last held consultation (the contact cadence) and whether one was held
        // after a date (a follow-up done).
        db.execute_unprepared(
            "CREATE INDEX idx_consultations_leaver_status_held \
             ON consultations (leaver_id, status, held_at)",
        )
        .await?;
        // A person's latest consultation that set a follow-up: only those rows are indexed.
        db.execute_unprepared(
            "CREATE INDEX idx_consultations_leaver_follow_up \
             ON consultations (leaver_id, held_at, id) WHERE next_follow_up_on IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_consultations_leaver_follow_up")
            .await?;
        db.execute_unprepared("DROP INDEX idx_consultations_leaver_status_held")
            .await?;
        Ok(())
    }
}
