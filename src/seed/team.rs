//! The demo's team (issue 28): one member of each role, with `example.org` addresses. The
//! reviewer and the door work on the demo conference only; the organiser on every event (so
//! they may also create next year's). Members that exist already (a demo loaded before) get
//! their role and events again; the admin gets a new token, so that the summary can print it.
use entity::organiser::Role;
use entity::registration::Language;
use sea_orm::DatabaseConnection;

use crate::domain::member::{role_name, MemberChanges, NewMember};
use crate::domain::EmailAddress;
use crate::services::organisers;

/// Name, address, role, and whether the member works on the demo conference only.
const TEAM: [(&str, &str, Role, bool); 4] = [
    ("Amelie Admin", "admin@example.org", Role::Admin, false),
    (
        "Oskar Organisator",
        "organiser@example.org",
        Role::Organiser,
        false,
    ),
    (
        "Rita Reviewer",
        "reviewer@example.org",
        Role::Reviewer,
        true,
    ),
    ("Doris Door", "door@example.org", Role::Door, true),
];

/// Creates (or renews) the team; the lines of the summary that say how each member signs in.
pub async fn seed(
    db: &DatabaseConnection,
    event: &entity::event::Model,
    base: &str,
) -> anyhow::Result<String> {
    let fail = |e: crate::error::ApiError| anyhow::anyhow!("{e}");
    let mut lines = vec![format!(
        "team (sign in at {base}/orga/sign-in, German pages and mails; change it under \"Your account\"):"
    )];
    for (name, address, role, limited) in TEAM {
        let events = if limited {
            vec![event.id.to_string()]
        } else {
            Vec::new()
        };
        let token = match organisers::find_active_by_email(db, address).await? {
            Some(existing) => {
                let changes = MemberChanges {
                    role: Some(role),
                    events: Some(events),
                    language: Some(Language::De),
                    ..MemberChanges::default()
                };
                organisers::update_member(db, existing.id, changes)
                    .await
                    .map_err(fail)?;
                if role == Role::Admin {
                    organisers::rotate(db, existing.id)
                        .await
                        .map_err(fail)?
                        .map(|(_, token)| token)
                } else {
                    None
                }
            }
            None => {
                let new = NewMember {
                    name: name.to_owned(),
                    email: EmailAddress::parse("email", address)
                        .map_err(|e| anyhow::anyhow!("{}", e.message))?,
                    role,
                    events,
                    language: Language::De,
                    organisation: None,
                };
                let (_, _, token) = organisers::add_member(db, &new).await.map_err(fail)?;
                Some(token)
            }
        };
        let works_on = if limited {
            event.slug.as_str()
        } else {
            "all events"
        };
        let role = role_name(role);
        match (role, token) {
            ("admin", Some(token)) => lines.push(format!(
                "  {role:<9} {name} <{address}>, {works_on}: paste this token under \"Or sign in \
                 with a token\": {token}"
            )),
            _ => lines.push(format!("  {role:<9} {name} <{address}>, {works_on}")),
        }
    }
    lines.push(
        "  The others sign in by e-mail: type the address at /orga/sign-in and open the link \
         podium mails. The serving podium sends it to the SMTP server of PODIUM_SMTP_URL, or \
         without one writes it as an .eml file into PODIUM_MAIL_DIR (./mail-outbox unless set)."
            .to_owned(),
    );
    Ok(lines.join("\n"))
}
