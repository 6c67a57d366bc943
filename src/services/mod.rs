//! Queries and transactions, one file per aggregate; they take domain types and return entities.
pub mod announcements;
pub mod calendar_entries;
pub mod check_in;
pub mod door;
pub mod events;
pub mod exhibits;
pub mod feeds;
pub mod ics;
pub mod idempotency;
pub mod maintenance;
pub mod notifications;
pub mod organisers;
pub mod pitch_slots;
pub mod pitches;
pub mod programme;
pub mod questions;
pub mod read_cache;
pub mod registrations;
pub mod stages;

/// The registration desk lives with the registrations; this is its older path.
pub use registrations::desk;
