use sea_orm::entity::prelude::*;

/// Which leavers an audit entry is about: the index behind each person's access log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_leavers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub leaver_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub audit_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
