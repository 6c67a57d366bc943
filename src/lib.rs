//! podium: event and annual-conference management.
