//! Validated types: raw request strings stop at the HTTP edge and become these.
pub mod check_in_code;
pub mod choice;
pub mod email;
pub mod event;
pub mod member;
pub mod organisation;
pub mod review;
pub mod slug;
pub mod text;
pub mod time;
pub mod token;
pub mod webhook;

pub use email::EmailAddress;
pub use slug::Slug;
pub use text::Validator;
