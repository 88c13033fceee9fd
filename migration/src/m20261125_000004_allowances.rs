//! Housing and living allowances, their monthly payment lines, and annual budgets.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Allowances::Table)
                    .col(pk_auto(Allowances::Id))
                    .col(integer(Allowances::LeaverId))
                    .col(string_len(Allowances::Kind, 16))
                    .col(big_integer(Allowances::MonthlyAmount))
                    .col(date(Allowances::StartMonth))
                    .col(date(Allowances::EndMonth))
                    .col(text(Allowances::Reason))
                    .col(string_len(Allowances::Status, 16))
                    .col(integer_null(Allowances::RequestedBy))
                    .col(timestamp_with_time_zone_null(Allowances::SubmittedAt))
                    .col(integer_null(Allowances::DecidedBy))
                    .col(timestamp_with_time_zone_null(Allowances::DecidedAt))
                    .col(text_null(Allowances::DecisionNote))
                    .col(integer(Allowances::Version))
                    .col(timestamp_with_time_zone(Allowances::CreatedAt))
                    .col(timestamp_with_time_zone(Allowances::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Allowances::Table, Allowances::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_allowances_leaver_kind",
                vec![Allowances::LeaverId, Allowances::Kind],
            ),
            (
                "idx_allowances_status",
                vec![Allowances::Status, Allowances::SubmittedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Allowances::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_auto(Payments::Id))
                    .col(integer(Payments::AllowanceId))
                    .col(integer(Payments::LeaverId))
                    .col(string_len(Payments::Kind, 16))
                    .col(date(Payments::Month))
                    .col(big_integer(Payments::Amount))
                    .col(string_len(Payments::Status, 16))
                    .col(date_null(Payments::PaidOn))
                    .col(integer_null(Payments::PaidBy))
                    .col(integer(Payments::Version))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone(Payments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payments::Table, Payments::AllowanceId)
                            .to(Allowances::Table, Allowances::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payments_allowance_month")
                    .table(Payments::Table)
                    .col(Payments::AllowanceId)
                    .col(Payments::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payments_month")
                    .table(Payments::Table)
                    .col(Payments::Month)
                    .col(Payments::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Budgets::Table)
                    .col(pk_auto(Budgets::Id))
                    .col(integer(Budgets::FiscalYear))
                    .col(string_len(Budgets::Kind, 16))
                    .col(big_integer(Budgets::Amount))
                    .col(integer_null(Budgets::UpdatedBy))
                    .col(timestamp_with_time_zone(Budgets::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_budgets_year_kind")
                    .table(Budgets::Table)
                    .col(Budgets::FiscalYear)
                    .col(Budgets::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Budgets::Table.into_iden(),
            Payments::Table.into_iden(),
            Allowances::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Allowances {
    Table,
    Id,
    LeaverId,
    Kind,
    MonthlyAmount,
    StartMonth,
    EndMonth,
    Reason,
    Status,
    RequestedBy,
    SubmittedAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    AllowanceId,
    LeaverId,
    Kind,
    Month,
    Amount,
    Status,
    PaidOn,
    PaidBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Id,
    FiscalYear,
    Kind,
    Amount,
    UpdatedBy,
    UpdatedAt,
}
