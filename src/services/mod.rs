//! Queries and transactions, one file per aggregate; they take domain types and return entities.
//!
//! Nothing here knows HTTP: no web framework types, no application state, no route. A service
//! takes what it needs — a connection or transaction, [`Ctx`] (database, links, mail wake-up),
//! a cache — and answers `ApiResult`. `tests::services_know_no_http` keeps it so.
pub mod announcements;
pub mod backoffice;
pub mod badges;
pub mod calendar_entries;
pub mod check_in;
mod context;
pub mod door;
pub mod events;
pub mod exhibits;
pub mod feeds;
pub mod frab;
pub mod ics;
pub mod idempotency;
pub mod maintenance;
pub mod notifications;
pub mod organisation;
pub mod organisers;
pub mod pitch_slots;
pub mod pitches;
pub mod programme;
pub mod questions;
pub mod read_cache;
pub mod registrations;
pub mod releases;
pub mod reviews;
pub mod sign_in_links;
pub mod stages;
pub mod webhooks;

pub use context::Ctx;
/// The registration desk lives with the registrations; this is its older path.
pub use registrations::desk;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Names a file below the HTTP edge must not mention in its code: the web framework's types, the
    /// application state and the modules that serve requests (spelt in two halves, so this
    /// test does not find itself).
    const EDGE: [&str; 7] = [
        concat!("act", "ix"),
        concat!("crate::", "start", "up"),
        concat!("crate::", "state"),
        concat!("crate::", "http"),
        concat!("crate::", "routes"),
        concat!("crate::", "pages"),
        concat!("App", "State"),
    ];

    fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }

    /// Imports go one way (ARCHITECTURE.md): services, domain types, mail and calendar know no
    /// request, so a job, a seed or a test can call them without a server.
    #[test]
    fn services_know_no_http() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for below in ["services", "domain", "mail", "calendar", "webhooks"] {
            rust_files(&src.join(below), &mut files);
        }
        assert!(files.len() > 20, "the source files were found");
        let mut offences = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if let Some(name) = EDGE.iter().find(|name| code.contains(*name)) {
                    offences.push(format!("{}:{}: {name}", file.display(), n + 1));
                }
            }
        }
        assert!(
            offences.is_empty(),
            "the HTTP edge named below it:\n{}",
            offences.join("\n")
        );
    }
}
