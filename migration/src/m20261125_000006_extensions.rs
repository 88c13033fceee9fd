//! Extensions of support past the default end (2022 amendment of the Child Welfare Act).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Extensions::Table)
                    .col(pk_auto(Extensions::Id))
                    .col(integer(Extensions::LeaverId))
                    .col(date(Extensions::NewEndOn))
                    .col(string_len(Extensions::Reason, 16))
                    .col(text_null(Extensions::ReasonDetail))
                    .col(date(Extensions::ReviewOn))
                    .col(string_len(Extensions::Status, 16))
                    .col(integer_null(Extensions::ProposedBy))
                    .col(integer_null(Extensions::DecidedBy))
                    .col(timestamp_with_time_zone_null(Extensions::DecidedAt))
                    .col(text_null(Extensions::DecisionNote))
                    .col(integer(Extensions::Version))
                    .col(timestamp_with_time_zone(Extensions::CreatedAt))
                    .col(timestamp_with_time_zone(Extensions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Extensions::Table, Extensions::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_extensions_leaver_status")
                    .table(Extensions::Table)
                    .col(Extensions::LeaverId)
                    .col(Extensions::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Extensions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Extensions {
    Table,
    Id,
    LeaverId,
    NewEndOn,
    Reason,
    ReasonDetail,
    ReviewOn,
    Status,
    ProposedBy,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    Version,
    CreatedAt,
    UpdatedAt,
}
