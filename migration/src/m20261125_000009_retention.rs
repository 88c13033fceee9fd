//! Legal holds and anonymisation marks on the register.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len_null(Leavers::LegalHold, 16),
            date_null(Leavers::LegalHoldSince),
            date_null(Leavers::AnonymisedOn),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Leavers::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Leavers::LegalHold,
            Leavers::LegalHoldSince,
            Leavers::AnonymisedOn,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Leavers::Table)
                        .drop_column(col)
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
    LegalHold,
    LegalHoldSince,
    AnonymisedOn,
}
