//! podium: event and annual-conference management.
pub mod auth;
pub mod badges;
pub mod calendar;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
