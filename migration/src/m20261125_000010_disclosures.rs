//! Disclosure requests (開示請求): a person asks for everything held about them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Disclosures::Table)
                    .col(pk_auto(Disclosures::Id))
                    .col(integer(Disclosures::LeaverId))
                    .col(date(Disclosures::RequestedOn))
                    .col(date(Disclosures::DueOn))
                    .col(string_len(Disclosures::Status, 16))
                    .col(date_null(Disclosures::CompletedOn))
                    .col(string_len_null(Disclosures::ExportSha256, 64))
                    .col(integer_null(Disclosures::RecordedBy))
                    .col(timestamp_with_time_zone(Disclosures::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Disclosures::Table, Disclosures::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Disclosures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Disclosures {
    Table,
    Id,
    LeaverId,
    RequestedOn,
    DueOn,
    Status,
    CompletedOn,
    ExportSha256,
    RecordedBy,
    CreatedAt,
}
