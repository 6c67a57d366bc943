//! The organisation's settings (issue 28): its name, contact address, logo, accent colour and
//! the links to its imprint and privacy policy. One row; public pages read it on every request,
//! so it is kept in memory ([`OrganisationCache`]) under the rules of
//! [`read_cache`](crate::services::read_cache): a change through this instance shows at once,
//! one through another instance within [`read_cache::EVENT_TTL`].
use std::sync::{Arc, Mutex};
use std::time::Instant;

use entity::organisation;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use crate::domain::organisation::{Logo, LogoType, OrganisationSettings};
use crate::domain::time::now;
use crate::error::ApiResult;
use crate::services::read_cache::{self, WriteEpoch};

/// The single row's id.
const ROW: i32 = 1;

/// The organisation as pages and mails show it; the defaults (no row yet) show "podium".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organisation {
    /// The name shown instead of "podium"; `None`: not set.
    pub name: Option<String>,
    /// The mails' `Reply-To` where an event names no contact.
    pub contact: Option<String>,
    /// `#rrggbb`; `None`: podium's own blue.
    pub accent_colour: Option<String>,
    pub imprint_url: Option<String>,
    pub privacy_url: Option<String>,
    /// The logo's kind; its bytes are in [`Organisation::logo`].
    pub logo_type: Option<LogoType>,
    logo: Option<Arc<[u8]>>,
    /// Grows with every change; 0 before the first.
    pub version: i32,
}

impl Organisation {
    fn of(row: organisation::Model) -> Self {
        let logo_type = row.logo_type.as_deref().and_then(LogoType::from_media_type);
        Self {
            name: row.name,
            contact: row.contact,
            accent_colour: row.accent_colour,
            imprint_url: row.imprint_url,
            privacy_url: row.privacy_url,
            logo: logo_type.and(row.logo).map(Arc::from),
            logo_type,
            version: row.version,
        }
    }

    /// The name pages and mails show: the organisation's, else "podium".
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or("podium")
    }

    /// The logo's bytes and kind, when there is one.
    pub fn logo(&self) -> Option<(LogoType, Arc<[u8]>)> {
        Some((self.logo_type?, self.logo.clone()?))
    }

    /// The logo's path, versioned (`/organisation/logo-3.svg`): a browser keeps it for good.
    pub fn logo_path(&self) -> Option<String> {
        let ext = match self.logo_type? {
            LogoType::Png => "png",
            LogoType::Svg => "svg",
        };
        Some(format!("/organisation/logo-{}.{ext}", self.version))
    }

    /// The stylesheet with the accent colour, versioned; `None` without an accent colour.
    pub fn theme_path(&self) -> Option<String> {
        self.accent_colour
            .as_ref()
            .map(|_| format!("/organisation/theme-{}.css", self.version))
    }

    /// The stylesheet that sets the accent colour and the text on it (`--accent`,
    /// `--accent-ink`), loaded after podium's own.
    pub fn theme_css(&self) -> Option<String> {
        let accent = crate::domain::organisation::AccentColour::parse(
            "accent_colour",
            self.accent_colour.as_deref()?,
        )
        .ok()?;
        Some(format!(
            ":root {{ --accent: {}; --accent-ink: {}; }}\n",
            accent.as_str(),
            accent.ink()
        ))
    }
}

/// Reads the organisation from the database (the defaults when never saved).
pub async fn load(db: &impl ConnectionTrait) -> ApiResult<Organisation> {
    Ok(organisation::Entity::find_by_id(ROW)
        .one(db)
        .await?
        .map(Organisation::of)
        .unwrap_or_default())
}

/// Saves the settings (every field as given: an empty one is cleared) and keeps the logo.
/// Answers the organisation as saved, its `version` one higher.
pub async fn save(
    db: &sea_orm::DatabaseConnection,
    settings: OrganisationSettings,
) -> ApiResult<Organisation> {
    write(db, |row| {
        row.name = Set(settings.name);
        row.contact = Set(settings.contact.map(|c| c.as_str().to_owned()));
        row.accent_colour = Set(settings.accent_colour.map(|c| c.as_str().to_owned()));
        row.imprint_url = Set(settings.imprint_url.map(|u| u.as_str().to_owned()));
        row.privacy_url = Set(settings.privacy_url.map(|u| u.as_str().to_owned()));
    })
    .await
}

/// Replaces the logo (`None` removes it).
pub async fn set_logo(
    db: &sea_orm::DatabaseConnection,
    logo: Option<Logo>,
) -> ApiResult<Organisation> {
    write(db, |row| {
        row.logo_type = Set(logo.as_ref().map(|l| l.kind.media_type().to_owned()));
        row.logo = Set(logo.map(|l| l.bytes));
    })
    .await
}

/// Changes the row (made on first use) in a transaction and moves its version on.
async fn write(
    db: &sea_orm::DatabaseConnection,
    change: impl FnOnce(&mut organisation::ActiveModel),
) -> ApiResult<Organisation> {
    // As every write: on SQLite `BEGIN IMMEDIATE`, or a write meanwhile (the mail worker's)
    // fails the upgrade from reading at once (a 503 seen under load).
    let txn = crate::db::begin_write(db).await?;
    let existing = organisation::Entity::find_by_id(ROW).one(&txn).await?;
    let saved = match existing {
        Some(row) => {
            let version = row.version;
            let mut active: organisation::ActiveModel = row.into();
            change(&mut active);
            active.version = Set(version + 1);
            active.updated_at = Set(now());
            active.update(&txn).await?
        }
        None => {
            let mut active = organisation::ActiveModel {
                id: Set(ROW),
                name: Set(None),
                contact: Set(None),
                accent_colour: Set(None),
                imprint_url: Set(None),
                privacy_url: Set(None),
                logo: Set(None),
                logo_type: Set(None),
                version: Set(1),
                updated_at: Set(now()),
            };
            change(&mut active);
            // Two first saves at once: the primary key lets one insert; the other is a 409.
            active.insert(&txn).await?
        }
    };
    txn.commit().await?;
    Ok(Organisation::of(saved))
}

/// The organisation as last read, reused while it is current (see the module doc).
pub struct OrganisationCache {
    epoch: WriteEpoch,
    kept: Mutex<Option<Kept>>,
}

struct Kept {
    epoch: u64,
    read_at: Instant,
    organisation: Arc<Organisation>,
}

impl OrganisationCache {
    pub fn new(epoch: WriteEpoch) -> Self {
        Self {
            epoch,
            kept: Mutex::new(None),
        }
    }

    /// The organisation: the copy in memory while no write through this instance came after it
    /// and it is younger than [`read_cache::EVENT_TTL`], else read anew.
    pub async fn get(&self, db: &impl ConnectionTrait) -> ApiResult<Arc<Organisation>> {
        // Read before the query: a copy can only be newer than its epoch says.
        let epoch = self.epoch.current();
        if let Some(kept) = self.kept.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if kept.epoch == epoch && kept.read_at.elapsed() < read_cache::EVENT_TTL {
                return Ok(kept.organisation.clone());
            }
        }
        let organisation = Arc::new(load(db).await?);
        *self.kept.lock().unwrap_or_else(|p| p.into_inner()) = Some(Kept {
            epoch,
            read_at: Instant::now(),
            organisation: organisation.clone(),
        });
        Ok(organisation)
    }
}
