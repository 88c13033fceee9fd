//! The register of care leavers.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Leavers::Table)
                    .col(pk_auto(Leavers::Id))
                    .col(string_len_uniq(Leavers::CaseNumber, 32))
                    .col(string_len(Leavers::FamilyName, 50))
                    .col(string_len(Leavers::GivenName, 50))
                    .col(string_len_null(Leavers::FamilyNameKana, 50))
                    .col(string_len_null(Leavers::GivenNameKana, 50))
                    .col(date(Leavers::DateOfBirth))
                    .col(string_len(Leavers::PlacementType, 32))
                    .col(date(Leavers::PlacementEndedOn))
                    .col(text_null(Leavers::LivingSituation))
                    .col(string_len_null(Leavers::Email, 254))
                    .col(string_len_null(Leavers::Phone, 32))
                    .col(text_null(Leavers::Address))
                    .col(boolean(Leavers::ContactConsent))
                    .col(integer_null(Leavers::CoordinatorId))
                    .col(string_len(Leavers::Status, 16))
                    .col(text_null(Leavers::ClosedReason))
                    .col(date_null(Leavers::ClosedOn))
                    .col(text_null(Leavers::Notes))
                    .col(date(Leavers::SupportStartsOn))
                    .col(date(Leavers::SupportEndsOn))
                    .col(string_len(Leavers::SortKey, 120))
                    .col(text(Leavers::SearchKey))
                    .col(integer(Leavers::Version))
                    .col(timestamp_with_time_zone(Leavers::CreatedAt))
                    .col(timestamp_with_time_zone(Leavers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leavers::Table, Leavers::CoordinatorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_leavers_coordinator",
                vec![Leavers::CoordinatorId, Leavers::SortKey],
            ),
            (
                "idx_leavers_status",
                vec![Leavers::Status, Leavers::SortKey],
            ),
            ("idx_leavers_sort_key", vec![Leavers::SortKey]),
            ("idx_leavers_support_ends", vec![Leavers::SupportEndsOn]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Leavers::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Leavers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
    CaseNumber,
    FamilyName,
    GivenName,
    FamilyNameKana,
    GivenNameKana,
    DateOfBirth,
    PlacementType,
    PlacementEndedOn,
    LivingSituation,
    Email,
    Phone,
    Address,
    ContactConsent,
    CoordinatorId,
    Status,
    ClosedReason,
    ClosedOn,
    Notes,
    SupportStartsOn,
    SupportEndsOn,
    SortKey,
    SearchKey,
    Version,
    CreatedAt,
    UpdatedAt,
}
