//! placeholder
use actix_web::web;
pub fn config(_cfg: &mut web::ServiceConfig) {}
