//! Consultations and appointments with a care leaver, and their topics.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consultations::Table)
                    .col(pk_auto(Consultations::Id))
                    .col(integer(Consultations::LeaverId))
                    .col(timestamp_with_time_zone(Consultations::HeldAt))
                    .col(string_len(Consultations::Status, 16))
                    .col(string_len(Consultations::Channel, 16))
                    .col(text_null(Consultations::Summary))
                    .col(date_null(Consultations::NextFollowUpOn))
                    .col(integer_null(Consultations::RecordedBy))
                    .col(integer(Consultations::Version))
                    .col(timestamp_with_time_zone(Consultations::CreatedAt))
                    .col(timestamp_with_time_zone(Consultations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Consultations::Table, Consultations::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Consultations::Table, Consultations::RecordedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_consultations_leaver_held",
                vec![Consultations::LeaverId, Consultations::HeldAt],
            ),
            (
                "idx_consultations_status_held",
                vec![Consultations::Status, Consultations::HeldAt],
            ),
            (
                "idx_consultations_follow_up",
                vec![Consultations::NextFollowUpOn],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Consultations::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ConsultationTopics::Table)
                    .col(integer(ConsultationTopics::ConsultationId))
                    .col(string_len(ConsultationTopics::Topic, 16))
                    .primary_key(
                        Index::create()
                            .col(ConsultationTopics::ConsultationId)
                            .col(ConsultationTopics::Topic),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ConsultationTopics::Table,
                                ConsultationTopics::ConsultationId,
                            )
                            .to(Consultations::Table, Consultations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsultationTopics::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Consultations::Table).to_owned())
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
}

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    LeaverId,
    HeldAt,
    Status,
    Channel,
    Summary,
    NextFollowUpOn,
    RecordedBy,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsultationTopics {
    Table,
    ConsultationId,
    Topic,
}
