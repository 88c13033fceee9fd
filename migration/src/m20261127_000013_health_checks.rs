//! One row the health check writes, so that `/healthz` proves the database accepts writes.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HealthChecks {
    Table,
    Id,
    CheckedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HealthChecks::Table)
                    .col(integer(HealthChecks::Id).primary_key())
                    .col(big_integer(HealthChecks::CheckedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(HealthChecks::Table)
                    .columns([HealthChecks::Id, HealthChecks::CheckedAt])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HealthChecks::Table).to_owned())
            .await
    }
}
