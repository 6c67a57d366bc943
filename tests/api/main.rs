//! podium's API tests: one binary, a real server and a fresh database per test.
//! `TEST_DATABASE_URL=postgres://…` runs them all on PostgreSQL, otherwise on SQLite.
mod helpers;
#[path = "../support/ics_reader.rs"]
mod ics_reader;
mod smtp_server;

mod announcements;
mod attendee_page;
mod attendee_self_edit;
mod authorization;
mod backoffice;
mod backoffice_announcements;
mod backoffice_events;
mod backoffice_people;
mod backoffice_sign_in;
mod badges;
mod check_in;
mod cli;
mod door;
mod double_opt_in;
mod errors;
mod event_json;
mod events;
mod exhibits;
mod exports;
mod faults;
mod feeds;
mod idempotency;
mod lifecycle;
mod mail;
mod mail_faults;
mod maintenance;
mod openapi_docs;
mod operations;
mod organisers;
mod pages;
mod pitch_slots;
mod pitches;
mod privacy;
mod questions;
mod registrations;
mod reviews;
mod roles;
mod schedule_cache;
mod search;
mod security;
