//! podium: event and annual-conference management.
pub mod mail;
