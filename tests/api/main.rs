//! podium's API tests: one binary, a real server and a fresh database per test.
//! `TEST_DATABASE_URL=postgres://…` runs them all on PostgreSQL, otherwise on SQLite.
mod helpers;
mod smtp_server;

mod authorization;
mod cli;
mod errors;
mod events;
mod exhibits;
mod exports;
mod feeds;
mod idempotency;
mod lifecycle;
mod mail;
mod operations;
mod organisers;
mod pitch_slots;
mod pitches;
mod registrations;
mod schedule_cache;
mod search;
mod security;
