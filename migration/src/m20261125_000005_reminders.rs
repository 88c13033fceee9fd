//! Reminder emails: the keys already sent (exactly once), the outbox, and the scheduler's
//! runs and lease.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_auto(Outbox::Id))
                    .col(string_len(Outbox::ToAddress, 254))
                    .col(string_len(Outbox::Language, 8))
                    .col(string_len(Outbox::Subject, 300))
                    .col(text(Outbox::BodyText))
                    .col(text(Outbox::BodyHtml))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(text_null(Outbox::LastError))
                    .col(date(Outbox::RunDate))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_status_next")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Reminders::Table)
                    .col(pk_auto(Reminders::Id))
                    .col(string_len_uniq(Reminders::Key, 200))
                    .col(string_len(Reminders::Rule, 32))
                    .col(string_len(Reminders::RecipientKind, 16))
                    .col(integer(Reminders::RecipientId))
                    .col(integer(Reminders::SubjectId))
                    .col(date(Reminders::RunDate))
                    .col(integer_null(Reminders::OutboxId))
                    .col(timestamp_with_time_zone(Reminders::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reminders::Table, Reminders::OutboxId)
                            .to(Outbox::Table, Outbox::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(pk_auto(JobRuns::Id))
                    .col(string_len(JobRuns::Job, 32))
                    .col(timestamp_with_time_zone(JobRuns::FireAt))
                    .col(date(JobRuns::RunDate))
                    .col(string_len(JobRuns::Holder, 64))
                    .col(timestamp_with_time_zone(JobRuns::FinishedAt))
                    .col(integer(JobRuns::Emails))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_runs_job_fire")
                    .table(JobRuns::Table)
                    .col(JobRuns::Job)
                    .col(JobRuns::FireAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Leases::Table)
                    .col(string_len(Leases::Name, 32).primary_key())
                    .col(string_len(Leases::Holder, 64))
                    .col(timestamp_with_time_zone(Leases::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Leases::Table.into_iden(),
            JobRuns::Table.into_iden(),
            Reminders::Table.into_iden(),
            Outbox::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ToAddress,
    Language,
    Subject,
    BodyText,
    BodyHtml,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    RunDate,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Reminders {
    Table,
    Id,
    Key,
    Rule,
    RecipientKind,
    RecipientId,
    SubjectId,
    RunDate,
    OutboxId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    FireAt,
    RunDate,
    Holder,
    FinishedAt,
    Emails,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAt,
}
