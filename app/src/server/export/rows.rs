//! The registry as the viewer may export it, read in id order a chunk at a time: one row of
//! strings per account, custodians masked or withheld as the viewer's rights say.
use super::super::entities::{account, platform, unit};
use super::super::registry;
use super::super::use_case::UseCase;
use super::Exporter;
use crate::domain::{CustodianAccess, RegistryQuery, Viewer};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::server::db::Keyset;
use sea_orm::{DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// How many accounts are read at a time.
pub const CHUNK: u64 = 2000;

fn yes_no(value: bool, locale: Locale) -> String {
    locale
        .t(if value { Msg::CommonYes } else { Msg::CommonNo })
        .to_string()
}

/// The registry as the viewer may export it, read a chunk at a time in id order: one
/// `Vec<String>` per account, in `REGISTRY_COLUMNS` order, filtered like the registry page.
/// Custodians' mobiles are masked for those who may not see them in full; another unit's
/// custodian is not named at all.
pub struct RegistryExport {
    db: DatabaseConnection,
    viewer: Viewer,
    locale: Locale,
    walk: Keyset<account::Entity>,
    units: HashMap<i32, unit::Model>,
    platforms: HashMap<i32, platform::Model>,
    seq: u64,
}

impl RegistryExport {
    #[tracing::instrument(skip_all, fields(use_case = "export.open"))]
    pub async fn open<A>(
        uc: &UseCase<A>,
        query: &RegistryQuery,
        locale: Locale,
    ) -> Result<Self, AppError>
    where
        UseCase<A>: Exporter,
    {
        let db = uc.db();
        let units = unit::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let platforms = platform::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(RegistryExport {
            db: db.clone(),
            viewer: uc.viewer(),
            locale,
            walk: Keyset::new(
                account::Entity::find()
                    .filter(registry::export_condition(db, query, uc.now).await?),
                account::Column::Id,
                0,
                CHUNK,
            ),
            units,
            platforms,
            seq: 0,
        })
    }

    /// The next rows, or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Vec<String>>>, AppError> {
        let Some(chunk) = self.walk.next(&self.db).await? else {
            return Ok(None);
        };
        let rows = chunk
            .into_iter()
            .map(|a| {
                self.seq += 1;
                row(
                    self.seq,
                    &a,
                    &self.units,
                    &self.platforms,
                    &self.viewer,
                    self.locale,
                )
            })
            .collect();
        Ok(Some(rows))
    }

    /// How many rows so far.
    pub fn count(&self) -> u64 {
        self.seq
    }
}

fn row(
    seq: u64,
    a: &account::Model,
    units: &HashMap<i32, unit::Model>,
    platforms: &HashMap<i32, platform::Model>,
    viewer: &Viewer,
    locale: Locale,
) -> Vec<String> {
    let host = units.get(&a.host_unit_id);
    let platform = platforms.get(&a.platform_id).map(|p| match locale {
        Locale::ZhCn => p.name_zh.clone(),
        Locale::En => p.name_en.clone(),
    });
    let unit_kind = host.map(|u| locale.t(crate::labels::unit_kind(u.kind)).to_string());
    let status = locale.t(crate::labels::status(a.status)).to_string();
    let masked = || registry::masked_mobile(&a.custodian_mobile);
    let (custodian, mobile) = match viewer.custodian_access(a.host_unit_id) {
        CustodianAccess::Full => (a.custodian_name.clone(), a.custodian_mobile.clone()),
        CustodianAccess::Masked => (a.custodian_name.clone(), masked()),
        // Another unit's custodian is not that unit's to give out, not even masked (README, "Personal
        // data"; 个人信息保护法 Art. 6: no more than the purpose needs).
        CustodianAccess::Withheld => (String::new(), String::new()),
    };
    vec![
        seq.to_string(),
        host.map(|u| u.name.clone()).unwrap_or_default(),
        host.and_then(|u| u.credit_code.clone()).unwrap_or_default(),
        unit_kind.unwrap_or_default(),
        platform.unwrap_or_default(),
        a.name.clone(),
        a.platform_account_id.clone().unwrap_or_default(),
        a.verification_subject.clone(),
        a.operating_unit.clone(),
        yes_no(a.outsourced, locale),
        a.purpose.clone(),
        a.opened_on.to_string(),
        status,
        yes_no(a.in_national_system, locale),
        custodian,
        mobile,
        a.password_rotated_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ]
}
