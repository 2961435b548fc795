use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platforms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub nationally_approved: bool,
    pub has_account_id: bool,
    pub sort_order: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl From<&Model> for crate::model::PlatformName {
    fn from(p: &Model) -> Self {
        crate::model::PlatformName {
            code: p.code.clone(),
            zh: p.name_zh.clone(),
            en: p.name_en.clone(),
        }
    }
}
