//! Who may do what (issue 28): a team member's role and events, and the one rule that says
//! whether they may do a thing to an event. The API's extractors
//! ([`crate::http::auth::Allowed`]) and the pages (the door, the backoffice) both ask
//! [`Member::may`], so the rule lives here once.
use std::collections::BTreeMap;

pub use entity::organiser::Role;
use uuid::Uuid;

/// The rule in words, for the OpenAPI document's bearer scheme.
pub const ROLES_DOC: &str = "A team member's token. Roles (issue 28): `admin` may do \
everything, the team and the outbox included; `organiser` everything of the events they work \
on; `reviewer` reads and scores the pitches of their events (no attendee data); `door` checks \
people in at their events. A member works on the events listed with them, or on every event \
when none is listed. A request about an event outside the member's events, or one their role \
does not allow, is a 403 (also for a slug that names no event); event lists show a limited \
member their events only. Routes that are public answer a reviewer, a door or an organiser of \
other events as they answer anyone.";

/// What a request wants to do, from the weakest to the strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Know the event, drafts included (the event list, the dashboard): every role.
    See,
    /// Check people in, the door page: `door`, `organiser`, `admin`.
    CheckIn,
    /// Read and score the event's pitches (no attendee data): `reviewer`, `organiser`, `admin`.
    Review,
    /// Everything of the event: its settings, programme, attendees, exhibits, mail:
    /// `organiser`, `admin`.
    Manage,
    /// Create events: `admin`, and an `organiser` of every event (a new event would be outside
    /// a limited organiser's events).
    CreateEvents,
    /// The team and the outbox: `admin` only.
    Team,
}

/// A team member as far as permissions go: the role and the events worked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's (organiser's) id.
    pub id: Uuid,
    pub role: Role,
    /// The events the member works on, by id with their slugs (so that a path's `{event}`,
    /// an id or a slug, is judged without asking the database); `None`: every event. An
    /// admin's events are ignored.
    pub events: Option<BTreeMap<Uuid, String>>,
}

impl Member {
    /// Whether the role allows `permission` at all, on some event.
    pub fn role_allows(&self, permission: Permission) -> bool {
        use Permission::*;
        match self.role {
            Role::Admin => true,
            Role::Organiser => !matches!(permission, Team),
            Role::Reviewer => matches!(permission, See | Review),
            Role::Door => matches!(permission, See | CheckIn),
        }
    }

    /// Whether the member works on the event: an admin and a member of every event on all.
    pub fn works_on(&self, event_id: Uuid) -> bool {
        self.role == Role::Admin
            || self
                .events
                .as_ref()
                .is_none_or(|events| events.contains_key(&event_id))
    }

    /// The event a path names by `key` (an id or a slug) if the member works on it; `Err`
    /// when the member is limited to other events. `Ok(None)`: every event is open to the
    /// member, or the key is an id outside the list (then `Err`).
    fn judge_key(&self, key: &str) -> Result<(), ()> {
        if self.role == Role::Admin {
            return Ok(());
        }
        let Some(events) = &self.events else {
            return Ok(());
        };
        let found = match Uuid::parse_str(key) {
            Ok(id) => events.contains_key(&id),
            Err(_) => events.values().any(|slug| slug == key),
        };
        if found {
            Ok(())
        } else {
            Err(())
        }
    }

    /// [`Self::may`] for an event named in a path by its id or slug (`None`: no event).
    pub fn may_key(&self, permission: Permission, key: Option<&str>) -> bool {
        if !self.role_allows(permission) {
            return false;
        }
        match key {
            Some(key) => permission != Permission::CreateEvents && self.judge_key(key).is_ok(),
            None => self.may(permission, None),
        }
    }

    /// Whether the member may do `permission` to the event (`None`: to no event in particular,
    /// such as creating one or managing the team).
    pub fn may(&self, permission: Permission, event_id: Option<Uuid>) -> bool {
        if !self.role_allows(permission) {
            return false;
        }
        match (permission, event_id) {
            (Permission::Team, _) => true,
            (Permission::CreateEvents, _) => self.role == Role::Admin || self.events.is_none(),
            (_, Some(event_id)) => self.works_on(event_id),
            (_, None) => true,
        }
    }

    /// The events the member is limited to, `None` for every event: the filter of event lists.
    pub fn event_scope(&self) -> Option<Vec<Uuid>> {
        match (&self.role, &self.events) {
            (Role::Admin, _) | (_, None) => None,
            (_, Some(events)) => Some(events.keys().copied().collect()),
        }
    }

    /// Why [`Self::may`] said no, in words for a 403.
    pub fn refusal(&self, permission: Permission, event_id: Option<Uuid>) -> String {
        if !self.role_allows(permission) {
            return format!("the role '{}' does not allow this", role_name(self.role));
        }
        match event_id {
            Some(_) if permission != Permission::CreateEvents => {
                "this event is not among the events you work on".to_owned()
            }
            _ => "this needs a member of every event".to_owned(),
        }
    }
}

/// The API's word for a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Organiser => "organiser",
        Role::Reviewer => "reviewer",
        Role::Door => "door",
    }
}

/// A new team member, as the API's body and the team page's invite form both become.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub name: String,
    pub email: crate::domain::EmailAddress,
    pub role: Role,
    /// Ids or slugs of the events worked on; empty: every event.
    pub events: Vec<String>,
    /// The member's language for the backoffice and their mails.
    pub language: entity::registration::Language,
    /// The member's organisation, if given: a pitch of the same organisation is a conflict of
    /// interest for them (issue 29).
    pub organisation: Option<String>,
}

/// A change to a member: `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// Ids or slugs; `Some(empty)`: every event.
    pub events: Option<Vec<String>>,
    /// The member's language for the backoffice and their mails.
    pub language: Option<entity::registration::Language>,
    /// The member's organisation: `Some(None)` removes it.
    pub organisation: Option<Option<String>>,
}

/// Checks a list of event keys (ids or slugs) as given: each one line of at most 200
/// characters, at most 500 of them. Whether they name events, the service says.
pub fn event_keys(field: &str, keys: &[String]) -> Result<Vec<String>, crate::error::FieldError> {
    if keys.len() > 500 {
        return Err(crate::error::FieldError::new(field, "at most 500 events"));
    }
    keys.iter()
        .map(|key| crate::domain::text::one_line(field, key, 200))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(role: Role, events: Option<&[Uuid]>) -> Member {
        Member {
            id: Uuid::nil(),
            role,
            events: events.map(|e| e.iter().map(|id| (*id, format!("e{id}"))).collect()),
        }
    }

    #[test]
    fn each_role_may_what_issue_28_says_and_only_on_its_events() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        use Permission::*;
        let admin = member(Role::Admin, Some(&[a]));
        for p in [See, CheckIn, Review, Manage, CreateEvents, Team] {
            assert!(admin.may(p, Some(b)), "admin {p:?}");
        }
        let organiser = member(Role::Organiser, Some(&[a]));
        assert!(organiser.may(Manage, Some(a)));
        assert!(!organiser.may(Manage, Some(b)));
        assert!(!organiser.may(See, Some(b)));
        assert!(!organiser.may(Team, None));
        assert!(!organiser.may(CreateEvents, None));
        assert!(member(Role::Organiser, None).may(CreateEvents, None));
        let reviewer = member(Role::Reviewer, None);
        assert!(reviewer.may(Review, Some(b)));
        assert!(!reviewer.may(Manage, Some(b)));
        assert!(!reviewer.may(CheckIn, Some(b)));
        let door = member(Role::Door, Some(&[a]));
        assert!(door.may(CheckIn, Some(a)));
        assert!(!door.may(CheckIn, Some(b)));
        assert!(!door.may(Review, Some(a)));
        assert!(!door.may(Manage, Some(a)));
        assert!(!door.may(CreateEvents, None));
        assert!(door.may_key(CheckIn, Some(&a.to_string())));
        assert!(door.may_key(CheckIn, Some(&format!("e{a}"))));
        assert!(!door.may_key(CheckIn, Some(&b.to_string())));
        assert!(!door.may_key(CheckIn, Some(&format!("e{b}"))));
        assert!(!door.may_key(Manage, Some(&a.to_string())));
    }
}
