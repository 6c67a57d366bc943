use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::search;

/// `registrations.search_key`: the folded name, e-mail and organisation the attendee list's
/// `q` searches (see `search.rs`), kept by the database itself on every insert and on every
/// change of those columns, whichever code path writes (the registration desk's batches, the
/// single registration, erasure, tools).
///
/// PostgreSQL: SQL functions `podium_fold`, `podium_search_key` and a `BEFORE` trigger; a
/// trigram index (`pg_trgm`, a trusted extension shipped with PostgreSQL's contrib) makes
/// `search_key LIKE '%…%'` an index search instead of a scan of the event's registrations.
/// Without `pg_trgm` installed the index is left out and searches scan, as before.
/// SQLite: `AFTER` triggers writing the key in steps (SQLite has no index for infix `LIKE`).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if conn.get_database_backend() == DbBackend::Postgres {
            let fold = search::fold_postgres("$1");
            let expand = search::expand_umlauts_sql("$1");
            for sql in [
                "ALTER TABLE registrations ADD COLUMN search_key text NOT NULL DEFAULT ''"
                    .to_owned(),
                format!(
                    "CREATE FUNCTION podium_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT \
                     PARALLEL SAFE AS $f$ SELECT {fold} $f$"
                ),
                format!(
                    "CREATE FUNCTION podium_expand_umlauts(text) RETURNS text LANGUAGE sql \
                     IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT {expand} $f$"
                ),
                "CREATE FUNCTION podium_search_key(text, text, text) RETURNS text LANGUAGE sql \
                 IMMUTABLE PARALLEL SAFE AS $f$ SELECT concat_ws(E'\\n', podium_fold($1), \
                 podium_fold($2), podium_fold($3), podium_fold(podium_expand_umlauts($1)), \
                 podium_fold(podium_expand_umlauts($3))) $f$"
                    .to_owned(),
                "CREATE FUNCTION podium_registrations_search_key() RETURNS trigger \
                 LANGUAGE plpgsql AS $f$ BEGIN \
                 NEW.search_key := podium_search_key(NEW.name, NEW.email_lower, NEW.organisation); \
                 RETURN NEW; END $f$"
                    .to_owned(),
                "CREATE TRIGGER registrations_search_key BEFORE INSERT OR UPDATE OF name, \
                 email_lower, organisation ON registrations FOR EACH ROW \
                 EXECUTE FUNCTION podium_registrations_search_key()"
                    .to_owned(),
                "UPDATE registrations SET search_key = \
                 podium_search_key(name, email_lower, organisation)"
                    .to_owned(),
            ] {
                conn.execute_unprepared(&sql).await?;
            }
            let trigram = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'",
                ))
                .await?
                .is_some();
            if trigram {
                conn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                conn.execute_unprepared(
                    "CREATE INDEX idx_registrations_search ON registrations \
                     USING gin (search_key gin_trgm_ops)",
                )
                .await?;
            }
        } else {
            // The unfolded key in one statement, then the folding steps on the stored key,
            // only for keys that are not plain ASCII (most e-mails and many names).
            let body = search::sqlite_trigger_body();
            for sql in [
                "ALTER TABLE registrations ADD COLUMN search_key text NOT NULL DEFAULT ''"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER registrations_search_key_insert AFTER INSERT ON registrations \
                     {body}"
                ),
                format!(
                    "CREATE TRIGGER registrations_search_key_update AFTER UPDATE OF name, \
                     email_lower, organisation ON registrations {body}"
                ),
                format!(
                    "UPDATE registrations SET search_key = {}",
                    search::sqlite_raw_key("registrations")
                ),
                search::sqlite_fold_statements("1 = 1"),
            ] {
                conn.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let statements: &[&str] = if conn.get_database_backend() == DbBackend::Postgres {
            &[
                "DROP INDEX IF EXISTS idx_registrations_search",
                "DROP TRIGGER registrations_search_key ON registrations",
                "DROP FUNCTION podium_registrations_search_key()",
                "DROP FUNCTION podium_search_key(text, text, text)",
                "DROP FUNCTION podium_expand_umlauts(text)",
                "DROP FUNCTION podium_fold(text)",
                "ALTER TABLE registrations DROP COLUMN search_key",
            ]
        } else {
            &[
                "DROP TRIGGER registrations_search_key_insert",
                "DROP TRIGGER registrations_search_key_update",
                "ALTER TABLE registrations DROP COLUMN search_key",
            ]
        };
        for sql in statements {
            conn.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
