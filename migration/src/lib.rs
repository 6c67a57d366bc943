//! podium's schema, one migration per step; the same migrations run on SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

pub mod search;

mod m20261128_000001_create_organisers;
mod m20261128_000002_create_events;
mod m20261128_000003_create_registrations;
mod m20261128_000004_create_outbox;
mod m20261128_000005_create_programme;
mod m20261128_400001_index_registration_lists;
mod m20261128_400002_add_event_registrations_total;
mod m20261129_000001_compress_outbox_lz4;
mod m20261130_100001_unique_active_organiser_email;
mod m20261130_100002_add_registration_search_key;
mod m20261130_200001_create_calendar_entries;
mod m20261130_200002_add_event_organiser;
mod m20261130_200003_add_outbox_reply_to;
mod m20261130_300001_readiness_probe_and_text_widths;
mod m20261130_310001_add_outbox_check_in_code;
mod m20261130_500001_protect_personal_data;
mod m20261130_600001_create_server_secrets;
mod m20261130_700001_create_registration_questions;
mod m20261130_700002_create_door_sessions;
mod m20261130_700003_create_announcements;
mod m20261130_800001_search_key_from_writer;
mod m20261130_900001_drop_unused_email_index;
mod m20261201_000001_index_the_sweeps;
mod m20261207_100001_create_announcement_opt_outs;
mod m20261207_500001_create_organiser_events;
mod m20261207_500002_create_backoffice_sessions;
mod m20261207_600001_create_sign_in_links;
mod m20261208_100001_create_reviews;
pub mod m20261208_200001_create_schedule_releases;
mod m20261208_300001_create_webhooks;
mod m20261208_400001_create_organisation;

pub struct Migrator;

/// A migration run in one transaction on SQLite as well, where sea-orm-migration runs none by
/// default (it does on PostgreSQL): one stopped halfway (a killed process, a full disk, a lost
/// machine) leaves nothing of itself behind, where it had left the database unusable (a table
/// made but not its columns, then "table already exists" at every start). SQLite's schema
/// changes are transactional. A transaction ignores `PRAGMA foreign_keys`, so a migration
/// cannot switch foreign keys off (for a table rebuild, dropping the old table would then
/// cascade to every row that refers to it); the test below keeps PRAGMAs out of them.
struct Atomic(Box<dyn MigrationTrait>);

impl MigrationName for Atomic {
    fn name(&self) -> &str {
        self.0.name()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Atomic {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.0.up(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        self.0.down(manager).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let steps: Vec<Box<dyn MigrationTrait>> = vec![
            Box::new(m20261128_000001_create_organisers::Migration),
            Box::new(m20261128_000002_create_events::Migration),
            Box::new(m20261128_000003_create_registrations::Migration),
            Box::new(m20261128_000004_create_outbox::Migration),
            Box::new(m20261128_000005_create_programme::Migration),
            Box::new(m20261128_400001_index_registration_lists::Migration),
            Box::new(m20261128_400002_add_event_registrations_total::Migration),
            Box::new(m20261129_000001_compress_outbox_lz4::Migration),
            Box::new(m20261130_100001_unique_active_organiser_email::Migration),
            Box::new(m20261130_100002_add_registration_search_key::Migration),
            Box::new(m20261130_200001_create_calendar_entries::Migration),
            Box::new(m20261130_200002_add_event_organiser::Migration),
            Box::new(m20261130_200003_add_outbox_reply_to::Migration),
            Box::new(m20261130_300001_readiness_probe_and_text_widths::Migration),
            Box::new(m20261130_500001_protect_personal_data::Migration),
            Box::new(m20261130_600001_create_server_secrets::Migration),
            Box::new(m20261130_700001_create_registration_questions::Migration),
            Box::new(m20261130_700002_create_door_sessions::Migration),
            Box::new(m20261130_700003_create_announcements::Migration),
            Box::new(m20261130_310001_add_outbox_check_in_code::Migration),
            Box::new(m20261130_800001_search_key_from_writer::Migration),
            Box::new(m20261130_900001_drop_unused_email_index::Migration),
            Box::new(m20261201_000001_index_the_sweeps::Migration),
            Box::new(m20261207_100001_create_announcement_opt_outs::Migration),
            Box::new(m20261207_500001_create_organiser_events::Migration),
            Box::new(m20261207_500002_create_backoffice_sessions::Migration),
            Box::new(m20261207_600001_create_sign_in_links::Migration),
            Box::new(m20261208_100001_create_reviews::Migration),
            Box::new(m20261208_200001_create_schedule_releases::Migration),
            Box::new(m20261208_300001_create_webhooks::Migration),
            Box::new(m20261208_400001_create_organisation::Migration),
        ];
        steps
            .into_iter()
            .map(|step| Box::new(Atomic(step)) as Box<dyn MigrationTrait>)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    /// No migration sends a PRAGMA: inside [`super::Atomic`]'s transaction SQLite ignores
    /// `PRAGMA foreign_keys = OFF`, and a table rebuild that relied on it would delete the rows
    /// that refer to the rebuilt table (`ON DELETE CASCADE`).
    #[test]
    fn no_migration_sends_a_pragma() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).expect("migration/src") {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if !name.starts_with('m') || !name.ends_with(".rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).expect("a migration");
            assert!(
                !source.to_ascii_uppercase().contains("PRAGMA"),
                "{name} sends a PRAGMA, which its transaction may ignore"
            );
            read += 1;
        }
        assert!(read >= 22, "read {read} migrations");
    }
}
