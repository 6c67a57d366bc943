//! podium: event and annual-conference management.
pub mod auth;
pub mod calendar;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod headers;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod services;
pub mod startup;
pub mod telemetry;
