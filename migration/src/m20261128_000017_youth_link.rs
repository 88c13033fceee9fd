//! The young person's own door (DESIGN 2.9): personal links and the sessions they open, the
//! person's answers to appointments, their check-ins and requests to be contacted, the
//! contact details they propose, and the requests for a new link (rate-limited). The leaver
//! gains the language their emails and page use, and when they last answered themselves (a
//! self-reported contact: counts for the cadence, not as a held consultation).
use sea_orm_migration::{prelude::*, schema::*};

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
                    .add_column(string_len(Leavers::Language, 8).default("ja"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Leavers::Table)
                    .add_column(timestamp_with_time_zone_null(Leavers::LastSelfReportAt))
                    .to_owned(),
            )
            .await?;
        // An email that carries a personal link: its text is blanked once sent, so the token
        // is not kept.
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(boolean(Outbox::HoldsLink).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Consultations::Table)
                    .add_column(string_len_null(Consultations::Response, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Consultations::Table)
                    .add_column(timestamp_with_time_zone_null(Consultations::ResponseAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(YouthLinks::Table)
                    .col(pk_auto(YouthLinks::Id))
                    .col(integer(YouthLinks::LeaverId))
                    .col(string_len_uniq(YouthLinks::TokenHash, 64))
                    .col(string_len(YouthLinks::HandedOver, 16))
                    .col(integer_null(YouthLinks::CreatedBy))
                    .col(timestamp_with_time_zone(YouthLinks::CreatedAt))
                    .col(timestamp_with_time_zone(YouthLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(YouthLinks::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(YouthLinks::Table, YouthLinks::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_youth_links_leaver")
                    .table(YouthLinks::Table)
                    .col(YouthLinks::LeaverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(YouthSessions::Table)
                    .col(string_len(YouthSessions::IdHash, 64).primary_key())
                    .col(integer(YouthSessions::LinkId))
                    .col(integer(YouthSessions::LeaverId))
                    .col(timestamp_with_time_zone(YouthSessions::CreatedAt))
                    .col(timestamp_with_time_zone(YouthSessions::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(YouthSessions::Table, YouthSessions::LinkId)
                            .to(YouthLinks::Table, YouthLinks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_youth_sessions_leaver")
                    .table(YouthSessions::Table)
                    .col(YouthSessions::LeaverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CheckIns::Table)
                    .col(pk_auto(CheckIns::Id))
                    .col(integer(CheckIns::LeaverId))
                    .col(string_len(CheckIns::Kind, 16))
                    .col(integer_null(CheckIns::ConsultationId))
                    .col(text_null(CheckIns::Message))
                    .col(timestamp_with_time_zone(CheckIns::CreatedAt))
                    .col(timestamp_with_time_zone_null(CheckIns::AcknowledgedAt))
                    .col(integer_null(CheckIns::AcknowledgedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CheckIns::Table, CheckIns::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_check_ins_leaver")
                    .table(CheckIns::Table)
                    .col(CheckIns::LeaverId)
                    .col(CheckIns::CreatedAt)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The dashboard's open items: those still waiting for someone to acknowledge them.
        db.execute_unprepared(
            "CREATE INDEX idx_check_ins_open ON check_ins (created_at) \
             WHERE acknowledged_at IS NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactProposals::Table)
                    .col(pk_auto(ContactProposals::Id))
                    .col(integer(ContactProposals::LeaverId))
                    .col(string_len_null(ContactProposals::Email, 254))
                    .col(string_len_null(ContactProposals::Phone, 40))
                    .col(text_null(ContactProposals::Address))
                    .col(timestamp_with_time_zone(ContactProposals::CreatedAt))
                    .col(string_len(ContactProposals::Status, 16))
                    .col(timestamp_with_time_zone_null(ContactProposals::DecidedAt))
                    .col(integer_null(ContactProposals::DecidedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ContactProposals::Table, ContactProposals::LeaverId)
                            .to(Leavers::Table, Leavers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one proposal of a person waits at a time.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_contact_proposals_waiting ON contact_proposals (leaver_id) \
             WHERE status = 'waiting'",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contact_proposals_leaver")
                    .table(ContactProposals::Table)
                    .col(ContactProposals::LeaverId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LinkRequests::Table)
                    .col(pk_auto(LinkRequests::Id))
                    .col(string_len(LinkRequests::EmailHash, 64))
                    .col(string_len(LinkRequests::Client, 64))
                    .col(timestamp_with_time_zone(LinkRequests::At))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_link_requests_email", LinkRequests::EmailHash),
            ("idx_link_requests_client", LinkRequests::Client),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LinkRequests::Table)
                        .col(column)
                        .col(LinkRequests::At)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LinkRequests::Table.into_iden(),
            ContactProposals::Table.into_iden(),
            CheckIns::Table.into_iden(),
            YouthSessions::Table.into_iden(),
            YouthLinks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::HoldsLink)
                    .to_owned(),
            )
            .await?;
        for column in [Consultations::ResponseAt, Consultations::Response] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Consultations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Leavers::LastSelfReportAt, Leavers::Language] {
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

#[derive(DeriveIden)]
enum Leavers {
    Table,
    Id,
    Language,
    LastSelfReportAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    HoldsLink,
}

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Response,
    ResponseAt,
}

#[derive(DeriveIden)]
enum YouthLinks {
    Table,
    Id,
    LeaverId,
    TokenHash,
    /// `email` or `shown`.
    HandedOver,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum YouthSessions {
    Table,
    IdHash,
    LinkId,
    LeaverId,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum CheckIns {
    Table,
    Id,
    LeaverId,
    /// `ok`, `need_help`, `contact_me`, `call_me` or `not_coming`.
    Kind,
    ConsultationId,
    Message,
    CreatedAt,
    AcknowledgedAt,
    AcknowledgedBy,
}

#[derive(DeriveIden)]
enum ContactProposals {
    Table,
    Id,
    LeaverId,
    Email,
    Phone,
    Address,
    CreatedAt,
    /// `waiting`, `accepted`, `declined`.
    Status,
    DecidedAt,
    DecidedBy,
}

#[derive(DeriveIden)]
enum LinkRequests {
    Table,
    Id,
    EmailHash,
    Client,
    At,
}
