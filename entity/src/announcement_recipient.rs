use sea_orm::entity::prelude::*;

/// One person an announcement was queued for: one per mailbox, with the outbox row of the mail.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcement_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub announcement_id: Uuid,
    /// Canonical mailbox (`EmailAddress::mailbox`) or lower-cased address.
    #[sea_orm(primary_key, auto_increment = false)]
    pub mailbox: String,
    pub outbox_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
