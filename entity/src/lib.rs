//! sea-orm entities: one file per table, nothing but the database's shape.
pub mod announcement;
pub mod announcement_recipient;
pub mod backoffice_session;
pub mod calendar_entry;
pub mod door_session;
pub mod event;
pub mod exhibit;
pub mod idempotency_key;
pub mod organiser;
pub mod organiser_event;
pub mod outbox;
pub mod pitch;
pub mod pitch_slot;
pub mod registration;
pub mod registration_answer;
pub mod registration_question;
pub mod stage;
