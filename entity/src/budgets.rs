use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budgets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub fiscal_year: i32,
    pub kind: crate::allowances::Kind,
    /// Whole yen for the fiscal year.
    pub amount: crate::money::Yen,
    pub updated_by: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
