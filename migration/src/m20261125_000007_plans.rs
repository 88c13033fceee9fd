//! Support plans (継続支援計画) with their goals, and each leaver's contact cadence.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(pk_auto(Plans::Id))
                    .col(integer(Plans::LeaverId))
                    .col(integer(Plans::Number))
                    .col(string_len(Plans::Status, 16))
                    .col(text(Plans::Wishes))
                    .col(date(Plans::StartedOn))
                    .col(date_null(Plans::ReviewOn))
                    .col(date_null(Plans::AgreedOn))
                    .col(integer_null(Plans::CreatedBy))
                    .col(integer(Plans::Version))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .col(timestamp_with_time_zone(Plans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plans::Table, Plans::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plans_leaver_number")
                    .table(Plans::Table)
                    .col(Plans::LeaverId)
                    .col(Plans::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlanGoals::Table)
                    .col(pk_auto(PlanGoals::Id))
                    .col(integer(PlanGoals::PlanId))
                    .col(string_len(PlanGoals::Domain, 16))
                    .col(text(PlanGoals::Goal))
                    .col(text_null(PlanGoals::Actions))
                    .col(date(PlanGoals::TargetOn))
                    .col(timestamp_with_time_zone(PlanGoals::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlanGoals::Table, PlanGoals::PlanId)
                            .to(Plans::Table, Plans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .add_column(integer_null(Leavers::ContactEveryDays))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .drop_column(Leavers::ContactEveryDays)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PlanGoals::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Plans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
    ContactEveryDays,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    LeaverId,
    Number,
    Status,
    Wishes,
    StartedOn,
    ReviewOn,
    AgreedOn,
    CreatedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlanGoals {
    Table,
    Id,
    PlanId,
    Domain,
    Goal,
    Actions,
    TargetOn,
    CreatedAt,
}
