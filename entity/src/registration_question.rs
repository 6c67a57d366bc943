use sea_orm::entity::prelude::*;

/// A question an event asks in its registration form (issue 17).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    /// The order in the form: lower first.
    pub position: i32,
    pub kind: QuestionKind,
    pub required: bool,
    pub label_de: String,
    pub label_en: String,
    /// JSON array of `{"key", "de", "en"}` for the choice kinds, `[]` otherwise.
    pub choices: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// What kind of answer a question takes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One line, up to 200 characters.
    #[sea_orm(string_value = "short_text")]
    ShortText,
    /// Several lines, up to 2000 characters.
    #[sea_orm(string_value = "long_text")]
    LongText,
    /// Exactly one of the choices.
    #[sea_orm(string_value = "one_choice")]
    OneChoice,
    /// Any number of the choices.
    #[sea_orm(string_value = "many_choices")]
    ManyChoices,
    /// `true` or `false`.
    #[sea_orm(string_value = "yes_no")]
    YesNo,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
