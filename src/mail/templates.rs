//! Every message podium sends: subject, plain text and HTML, in German and English.
//!
//! The words live in `templates/mail/`: `<message>.<lang>.txt` holds the subject (its
//! `subject` block) and the plain text, `<message>.<lang>.html` the HTML, side by side. Both
//! extend `layout.<lang>.txt` / `.html` (greeting, signature, footer) and include the event's
//! details from `event.<lang>.*`. askama picks the escaper by extension (its defaults, no
//! `askama.toml`): `.html` escapes all user text for HTML, `.txt` writes it as it is. This file
//! only gathers each message's context. A confirmation also names the attendee's check-in
//! code, which the HTML shows as a QR picture (`cid:`) that the worker attaches ([`super::qr`]).
use std::ops::Deref;

use askama::Template;
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::registration::Language;

/// A rendered message, ready to be queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The organiser's mailbox (`"Name" <address>`), for the `Reply-To` header; `None` when
    /// the event has no contact address.
    pub reply_to: Option<String>,
    /// The attendee's check-in code when the HTML shows it as a QR picture
    /// (`cid:` [`super::qr::CONTENT_ID`]); the worker draws the picture when it sends.
    pub check_in_code: Option<String>,
}

/// The event as the recipient should read it; `when` is local time, see [`format_when`].
#[derive(Clone, Copy, Debug)]
pub struct EventInfo<'a> {
    pub title: &'a str,
    pub when: &'a str,
    /// Venue, and address if there is one, in one line.
    pub venue: &'a str,
    /// Who the mail is from: the event's organiser (signs the mail, named in the footer).
    pub organiser: &'a str,
    /// The organiser's contact address: shown in the footer and used as `Reply-To`; may be
    /// empty.
    pub contact: &'a str,
}

/// An attendee and the link the message is about (manage, confirm or the event page).
#[derive(Clone, Copy, Debug)]
pub struct AttendeeMail<'a> {
    pub name: &'a str,
    pub event: EventInfo<'a>,
    pub link: &'a str,
}

/// A presenter, their pitch, and the link to manage it.
#[derive(Clone, Copy, Debug)]
pub struct PitchMail<'a> {
    pub name: &'a str,
    pub pitch_title: &'a str,
    pub event: EventInfo<'a>,
    pub manage_url: &'a str,
}

/// A pitch slot: the stage (room) and its local time.
#[derive(Clone, Copy, Debug)]
pub struct SlotInfo<'a> {
    pub stage: &'a str,
    pub when: &'a str,
}

/// An exhibitor's contact person, the exhibit, and the link to manage it.
#[derive(Clone, Copy, Debug)]
pub struct ExhibitMail<'a> {
    pub name: &'a str,
    pub exhibit_title: &'a str,
    pub event: EventInfo<'a>,
    pub manage_url: &'a str,
}

/// The organisers' decision on an exhibit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExhibitDecision<'a> {
    Approved { booth: Option<&'a str> },
    Rejected,
    Waitlisted,
}

/// An organiser's announcement to one person (issue 17): their subject and text in the
/// person's language, and the person's own page.
#[derive(Clone, Copy, Debug)]
pub struct AnnouncementMail<'a> {
    pub name: &'a str,
    pub event: EventInfo<'a>,
    /// The organiser's subject; the mail's subject adds the event's title.
    pub subject: &'a str,
    /// The organiser's text as written; a blank line separates paragraphs.
    pub text: &'a str,
    /// The person's page (attendee, presenter or exhibitor).
    pub link: &'a str,
}

/// Whom an event cancellation is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Attendee,
    Presenter,
    Exhibitor,
}

/// Formats an event's or slot's time in its time zone, in the reader's language:
/// `Monday, 24 June 2019, 09:00–17:00 (Europe/Berlin)`,
/// `Montag, 24. Juni 2019, 09:00–17:00 Uhr (Europe/Berlin)`.
pub fn format_when(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz, lang: Language) -> String {
    let (s, e) = (
        tz.from_utc_datetime(&start.naive_utc()),
        tz.from_utc_datetime(&end.naive_utc()),
    );
    let day = |d: &DateTime<Tz>| crate::domain::time::long_date(d, lang);
    let hm = |d: &DateTime<Tz>| d.format("%H:%M").to_string();
    let uhr = match lang {
        Language::En => "",
        Language::De => " Uhr",
    };
    if s.date_naive() == e.date_naive() {
        format!("{}, {}–{}{uhr} ({})", day(&s), hm(&s), hm(&e), tz.name())
    } else {
        format!(
            "{}, {}{uhr} – {}, {}{uhr} ({})",
            day(&s),
            hm(&s),
            day(&e),
            hm(&e),
            tz.name()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The contexts the templates read. Every one has `name` (the greeting) and `event` (the
// details, and the organiser who signs: `layout.<lang>.*`).
// ---------------------------------------------------------------------------------------------

/// The event with the organiser's name and address trimmed, as the layout shows them.
fn trimmed(event: EventInfo<'_>) -> EventInfo<'_> {
    EventInfo {
        organiser: event.organiser.trim(),
        contact: event.contact.trim(),
        ..event
    }
}

/// What an attendee's mail shows (`registration_*`).
struct Attendee<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    link: &'a str,
    /// The place on the waiting list (1 = next); `registration_waitlisted` only.
    position: i64,
    /// How long an unconfirmed registration holds its seat; `registration_pending` and
    /// `registration_expired` only.
    hold_hours: i64,
    /// The check-in code a confirmation shows, as text and as the QR picture `qr_cid`.
    check_in_code: Option<&'a str>,
    qr_cid: &'static str,
}

impl<'a> Attendee<'a> {
    fn new(m: &AttendeeMail<'a>) -> Self {
        Self {
            name: m.name,
            event: trimmed(m.event),
            link: m.link,
            position: 0,
            hold_hours: 0,
            check_in_code: None,
            qr_cid: super::qr::CONTENT_ID,
        }
    }
}

/// What a presenter's mail shows (`pitch_*`).
struct Pitch<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    link: &'a str,
    pitch: &'a str,
    /// The slot the mail is about (the new one when it moved).
    slot: SlotInfo<'a>,
    /// Where a moved pitch was before; `pitch_slot_moved` only.
    previous: SlotInfo<'a>,
    /// Whether the pitch's title differs from the event's: a slot mail's subject names the
    /// pitch only then (not "Your slot at Sommerfest 2027: Sommerfest 2027").
    own_title: bool,
}

const NO_SLOT: SlotInfo<'static> = SlotInfo {
    stage: "",
    when: "",
};

impl<'a> Pitch<'a> {
    fn new(m: &PitchMail<'a>) -> Self {
        Self {
            name: m.name,
            event: trimmed(m.event),
            link: m.manage_url,
            pitch: m.pitch_title,
            slot: NO_SLOT,
            previous: NO_SLOT,
            own_title: m.pitch_title.trim().to_lowercase() != m.event.title.trim().to_lowercase(),
        }
    }
}

/// What an exhibitor's mail shows (`exhibit_*`).
struct Exhibit<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    link: &'a str,
    exhibit: &'a str,
    /// The booth of an approved exhibit; empty when none is allocated yet.
    booth: &'a str,
}

impl<'a> Exhibit<'a> {
    fn new(m: &ExhibitMail<'a>) -> Self {
        Self {
            name: m.name,
            event: trimmed(m.event),
            link: m.manage_url,
            exhibit: m.exhibit_title,
            booth: "",
        }
    }
}

/// What the mail about a cancelled event shows.
struct Cancellation<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    role: Role,
}

/// What an announcement shows.
struct Announcement<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    link: &'a str,
    /// The organiser's subject.
    topic: &'a str,
    /// The organiser's text, trimmed; in the HTML as `paragraphs` (split at blank lines).
    body: &'a str,
    paragraphs: Vec<&'a str>,
}

/// Renders one message in `$lang` from its context `$ctx` (of type `$Ctx`): the `.txt`
/// template twice, for the subject (its `subject` block) and the text, then the `.html`
/// template, whose `<title>` is the subject. Each template gets a type of its own, as askama
/// wants; they read the context's fields through `Deref`.
macro_rules! render {
    ($lang:expr, $Ctx:ident $ctx:expr,
     de: $de_txt:literal, $de_html:literal,
     en: $en_txt:literal, $en_html:literal $(,)?) => {{
        render!(@types $Ctx, DeText, DeHtml, $de_txt, $de_html);
        render!(@types $Ctx, EnText, EnHtml, $en_txt, $en_html);
        let c = &$ctx;
        match $lang {
            Language::De => {
                let subject = output(DeText { c, subject_only: true }.render());
                let text = output(DeText { c, subject_only: false }.render());
                let html = output(DeHtml { c, subject: subject.trim() }.render());
                finish(c.event, subject, text, html)
            }
            Language::En => {
                let subject = output(EnText { c, subject_only: true }.render());
                let text = output(EnText { c, subject_only: false }.render());
                let html = output(EnHtml { c, subject: subject.trim() }.render());
                finish(c.event, subject, text, html)
            }
        }
    }};
    (@types $Ctx:ident, $Text:ident, $Html:ident, $txt:literal, $html:literal) => {
        #[derive(Template)]
        #[template(path = $txt)]
        struct $Text<'a> {
            c: &'a $Ctx<'a>,
            /// Renders the `subject` block only (see `layout.<lang>.txt`).
            subject_only: bool,
        }
        #[derive(Template)]
        #[template(path = $html)]
        struct $Html<'a> {
            c: &'a $Ctx<'a>,
            subject: &'a str,
        }
        render!(@deref $Ctx, $Text);
        render!(@deref $Ctx, $Html);
    };
    (@deref $Ctx:ident, $T:ident) => {
        impl<'a> Deref for $T<'a> {
            type Target = $Ctx<'a>;
            fn deref(&self) -> &$Ctx<'a> {
                self.c
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Attendees
// ---------------------------------------------------------------------------------------------

/// The seat is confirmed; `m.link` is the self-service (manage) link. Shows the attendee's
/// `check_in_code` as text and as an inline QR picture.
pub fn registration_confirmed(lang: Language, m: &AttendeeMail, check_in_code: &str) -> Rendered {
    let c = Attendee {
        check_in_code: Some(check_in_code),
        ..Attendee::new(m)
    };
    Rendered {
        check_in_code: Some(check_in_code.to_owned()),
        ..render!(lang, Attendee c,
            de: "mail/registration_confirmed.de.txt", "mail/registration_confirmed.de.html",
            en: "mail/registration_confirmed.en.txt", "mail/registration_confirmed.en.html")
    }
}

/// The event is full; the attendee is on the waiting list at `position` (1 = next).
pub fn registration_waitlisted(lang: Language, m: &AttendeeMail, position: i64) -> Rendered {
    render!(lang, Attendee Attendee { position, ..Attendee::new(m) },
        de: "mail/registration_waitlisted.de.txt", "mail/registration_waitlisted.de.html",
        en: "mail/registration_waitlisted.en.txt", "mail/registration_waitlisted.en.html")
}

/// Double opt-in: the seat is held for `hold_hours` (the event's `hold_hours`) until `m.link`
/// (the confirm link) is used.
pub fn registration_pending(lang: Language, m: &AttendeeMail, hold_hours: i64) -> Rendered {
    render!(lang, Attendee Attendee { hold_hours, ..Attendee::new(m) },
        de: "mail/registration_pending.de.txt", "mail/registration_pending.de.html",
        en: "mail/registration_pending.en.txt", "mail/registration_pending.en.html")
}

/// A seat became free and the waitlisted attendee now has it; `m.link` is the manage link.
/// Shows the attendee's `check_in_code` as text and as an inline QR picture.
pub fn registration_promoted(lang: Language, m: &AttendeeMail, check_in_code: &str) -> Rendered {
    let c = Attendee {
        check_in_code: Some(check_in_code),
        ..Attendee::new(m)
    };
    Rendered {
        check_in_code: Some(check_in_code.to_owned()),
        ..render!(lang, Attendee c,
            de: "mail/registration_promoted.de.txt", "mail/registration_promoted.de.html",
            en: "mail/registration_promoted.en.txt", "mail/registration_promoted.en.html")
    }
}

/// Confirms the attendee's own cancellation; `m.link` is the event page.
pub fn registration_cancelled(lang: Language, m: &AttendeeMail) -> Rendered {
    render!(lang, Attendee Attendee::new(m),
        de: "mail/registration_cancelled.de.txt", "mail/registration_cancelled.de.html",
        en: "mail/registration_cancelled.en.txt", "mail/registration_cancelled.en.html")
}

/// The link to the attendee's page again, asked for by whoever knew the address
/// (`registrations::resend`); `m.link` is the attendee's page.
pub fn registration_link(lang: Language, m: &AttendeeMail) -> Rendered {
    render!(lang, Attendee Attendee::new(m),
        de: "mail/registration_link.de.txt", "mail/registration_link.de.html",
        en: "mail/registration_link.en.txt", "mail/registration_link.en.html")
}

/// An unconfirmed (double opt-in) registration lapsed after its hold of `hold_hours`;
/// `m.link` is the event page.
pub fn registration_expired(lang: Language, m: &AttendeeMail, hold_hours: i64) -> Rendered {
    render!(lang, Attendee Attendee { hold_hours, ..Attendee::new(m) },
        de: "mail/registration_expired.de.txt", "mail/registration_expired.de.html",
        en: "mail/registration_expired.en.txt", "mail/registration_expired.en.html")
}

/// The event is cancelled; sent to every active attendee, presenter and exhibitor.
pub fn event_cancelled(lang: Language, role: Role, name: &str, event: EventInfo) -> Rendered {
    let c = Cancellation {
        name,
        event: trimmed(event),
        role,
    };
    render!(lang, Cancellation c,
        de: "mail/event_cancelled.de.txt", "mail/event_cancelled.de.html",
        en: "mail/event_cancelled.en.txt", "mail/event_cancelled.en.html")
}

// ---------------------------------------------------------------------------------------------
// Presenters
// ---------------------------------------------------------------------------------------------

/// A pitch proposal arrived.
pub fn pitch_received(lang: Language, m: &PitchMail) -> Rendered {
    render!(lang, Pitch Pitch::new(m),
        de: "mail/pitch_received.de.txt", "mail/pitch_received.de.html",
        en: "mail/pitch_received.en.txt", "mail/pitch_received.en.html")
}

/// The programme committee accepted the pitch; a slot follows separately.
pub fn pitch_accepted(lang: Language, m: &PitchMail) -> Rendered {
    render!(lang, Pitch Pitch::new(m),
        de: "mail/pitch_accepted.de.txt", "mail/pitch_accepted.de.html",
        en: "mail/pitch_accepted.en.txt", "mail/pitch_accepted.en.html")
}

/// The programme committee declined the pitch.
pub fn pitch_rejected(lang: Language, m: &PitchMail) -> Rendered {
    render!(lang, Pitch Pitch::new(m),
        de: "mail/pitch_rejected.de.txt", "mail/pitch_rejected.de.html",
        en: "mail/pitch_rejected.en.txt", "mail/pitch_rejected.en.html")
}

/// The pitch got a slot; an `.ics` should be attached.
pub fn pitch_slot_assigned(lang: Language, m: &PitchMail, slot: SlotInfo) -> Rendered {
    render!(lang, Pitch Pitch { slot, ..Pitch::new(m) },
        de: "mail/pitch_slot_assigned.de.txt", "mail/pitch_slot_assigned.de.html",
        en: "mail/pitch_slot_assigned.en.txt", "mail/pitch_slot_assigned.en.html")
}

/// The slot holding the pitch moved to another time or stage; an updated `.ics` should be attached.
pub fn pitch_slot_moved(lang: Language, m: &PitchMail, from: SlotInfo, to: SlotInfo) -> Rendered {
    let c = Pitch {
        slot: to,
        previous: from,
        ..Pitch::new(m)
    };
    render!(lang, Pitch c,
        de: "mail/pitch_slot_moved.de.txt", "mail/pitch_slot_moved.de.html",
        en: "mail/pitch_slot_moved.en.txt", "mail/pitch_slot_moved.en.html")
}

/// The pitch lost its slot (the slot was removed or the assignment undone).
pub fn pitch_slot_unassigned(lang: Language, m: &PitchMail, previous: SlotInfo) -> Rendered {
    render!(lang, Pitch Pitch { slot: previous, ..Pitch::new(m) },
        de: "mail/pitch_slot_unassigned.de.txt", "mail/pitch_slot_unassigned.de.html",
        en: "mail/pitch_slot_unassigned.en.txt", "mail/pitch_slot_unassigned.en.html")
}

/// Confirms that the presenter withdrew the pitch.
pub fn pitch_withdrawn(lang: Language, m: &PitchMail) -> Rendered {
    render!(lang, Pitch Pitch::new(m),
        de: "mail/pitch_withdrawn.de.txt", "mail/pitch_withdrawn.de.html",
        en: "mail/pitch_withdrawn.en.txt", "mail/pitch_withdrawn.en.html")
}

// ---------------------------------------------------------------------------------------------
// Exhibitors
// ---------------------------------------------------------------------------------------------

/// An exhibit registration arrived.
pub fn exhibit_received(lang: Language, m: &ExhibitMail) -> Rendered {
    render!(lang, Exhibit Exhibit::new(m),
        de: "mail/exhibit_received.de.txt", "mail/exhibit_received.de.html",
        en: "mail/exhibit_received.en.txt", "mail/exhibit_received.en.html")
}

/// The organisers approved (with a booth), rejected or waitlisted an exhibit.
pub fn exhibit_decision(lang: Language, m: &ExhibitMail, decision: ExhibitDecision) -> Rendered {
    match decision {
        ExhibitDecision::Approved { booth } => {
            let c = Exhibit {
                booth: booth.unwrap_or_default(),
                ..Exhibit::new(m)
            };
            render!(lang, Exhibit c,
                de: "mail/exhibit_approved.de.txt", "mail/exhibit_approved.de.html",
                en: "mail/exhibit_approved.en.txt", "mail/exhibit_approved.en.html")
        }
        ExhibitDecision::Rejected => render!(lang, Exhibit Exhibit::new(m),
            de: "mail/exhibit_rejected.de.txt", "mail/exhibit_rejected.de.html",
            en: "mail/exhibit_rejected.en.txt", "mail/exhibit_rejected.en.html"),
        ExhibitDecision::Waitlisted => render!(lang, Exhibit Exhibit::new(m),
            de: "mail/exhibit_waitlisted.de.txt", "mail/exhibit_waitlisted.de.html",
            en: "mail/exhibit_waitlisted.en.txt", "mail/exhibit_waitlisted.en.html"),
    }
}

/// Confirms that the exhibitor withdrew the registration.
pub fn exhibit_withdrawn(lang: Language, m: &ExhibitMail) -> Rendered {
    render!(lang, Exhibit Exhibit::new(m),
        de: "mail/exhibit_withdrawn.de.txt", "mail/exhibit_withdrawn.de.html",
        en: "mail/exhibit_withdrawn.en.txt", "mail/exhibit_withdrawn.en.html")
}

// ---------------------------------------------------------------------------------------------
// Announcements
// ---------------------------------------------------------------------------------------------

/// An organiser's announcement, in the reader's language, with the reader's own link.
pub fn announcement(lang: Language, m: &AnnouncementMail) -> Rendered {
    let body = m.text.trim();
    let c = Announcement {
        name: m.name,
        event: trimmed(m.event),
        link: m.link,
        topic: m.subject.trim(),
        body,
        paragraphs: body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
    };
    render!(lang, Announcement c,
        de: "mail/announcement.de.txt", "mail/announcement.de.html",
        en: "mail/announcement.en.txt", "mail/announcement.en.html")
}

// ---------------------------------------------------------------------------------------------
// The team (backoffice)
// ---------------------------------------------------------------------------------------------

/// A team member's one-time sign-in link to the backoffice (issue 28), asked for at
/// `/orga/sign-in`.
#[derive(Clone, Copy, Debug)]
pub struct SignInMail<'a> {
    pub name: &'a str,
    /// `{public_url}/orga/sign-in/link/{token}`.
    pub link: &'a str,
    /// How long the link works, in minutes.
    pub minutes: i64,
}

/// An invitation to the team (issue 28): who invited the member, as what and for which
/// events, with a one-time sign-in link.
#[derive(Clone, Copy, Debug)]
pub struct InvitationMail<'a> {
    pub name: &'a str,
    pub link: &'a str,
    /// How long the link works, in hours.
    pub hours: i64,
    /// The inviting admin's name.
    pub invited_by: &'a str,
    pub role: entity::organiser::Role,
    /// The titles of the events the member works on; empty: every event.
    pub events: &'a [String],
}

/// No event: the team's mails are signed by the organising team and say no more.
const NO_EVENT: EventInfo<'static> = EventInfo {
    title: "",
    when: "",
    venue: "",
    organiser: "",
    contact: "",
};

/// What a team member's mail shows (`sign_in_link`, `invitation`).
struct Team<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    link: &'a str,
    minutes: i64,
    hours: i64,
    invited_by: &'a str,
    /// The role in the reader's words, with what it may do.
    role: &'static str,
    /// The events' titles, comma-separated; empty: every event.
    events: String,
}

/// A role in the reader's words, with what it may do.
fn role_words(lang: Language, role: entity::organiser::Role) -> &'static str {
    use entity::organiser::Role;
    match (lang, role) {
        (Language::En, Role::Admin) => "admin (everything, the team included)",
        (Language::En, Role::Organiser) => "organiser (everything of your events)",
        (Language::En, Role::Reviewer) => "reviewer (reading and scoring the pitches)",
        (Language::En, Role::Door) => "door (checking people in)",
        (Language::De, Role::Admin) => "Admin (alles, auch das Team)",
        (Language::De, Role::Organiser) => "Organisation (alles Ihrer Veranstaltungen)",
        (Language::De, Role::Reviewer) => "Begutachtung (Pitches lesen und bewerten)",
        (Language::De, Role::Door) => "Einlass (Gäste einchecken)",
    }
}

/// The member's one-time sign-in link.
pub fn sign_in_link(lang: Language, m: &SignInMail) -> Rendered {
    let c = Team {
        name: m.name,
        event: NO_EVENT,
        link: m.link,
        minutes: m.minutes,
        hours: 0,
        invited_by: "",
        role: "",
        events: String::new(),
    };
    render!(lang, Team c,
        de: "mail/sign_in_link.de.txt", "mail/sign_in_link.de.html",
        en: "mail/sign_in_link.en.txt", "mail/sign_in_link.en.html")
}

/// An invitation to the team with a one-time sign-in link.
pub fn invitation(lang: Language, m: &InvitationMail) -> Rendered {
    let c = Team {
        name: m.name,
        event: NO_EVENT,
        link: m.link,
        minutes: 0,
        hours: m.hours,
        invited_by: m.invited_by,
        role: role_words(lang, m.role),
        events: m.events.join(", "),
    };
    render!(lang, Team c,
        de: "mail/invitation.de.txt", "mail/invitation.de.html",
        en: "mail/invitation.en.txt", "mail/invitation.en.html")
}

/// What the mail about a paused webhook endpoint shows (issue 31).
#[derive(Clone, Copy, Debug)]
pub struct WebhookPausedMail<'a> {
    /// The member who made the endpoint.
    pub name: &'a str,
    /// The endpoint's URL.
    pub url: &'a str,
    /// Failed attempts in a row.
    pub failures: i32,
}

struct Hook<'a> {
    name: &'a str,
    event: EventInfo<'a>,
    url: &'a str,
    failures: i32,
}

/// A webhook endpoint failed too often in a row and is paused: its owner is told.
pub fn webhook_paused(lang: Language, m: &WebhookPausedMail) -> Rendered {
    let c = Hook {
        name: m.name,
        event: NO_EVENT,
        url: m.url,
        failures: m.failures,
    };
    render!(lang, Hook c,
        de: "mail/webhook_paused.de.txt", "mail/webhook_paused.de.html",
        en: "mail/webhook_paused.en.txt", "mail/webhook_paused.en.html")
}

// ---------------------------------------------------------------------------------------------
// Assembling
// ---------------------------------------------------------------------------------------------

/// A template's output. Rendering writes strings and integers into a `String`, which cannot
/// fail; should a template ever fail all the same, the part is left empty and the error logged
/// (the test that renders every message would catch it first).
fn output(rendered: askama::Result<String>) -> String {
    rendered.unwrap_or_else(|error| {
        tracing::error!(%error, "a mail template failed to render");
        String::new()
    })
}

fn finish(event: EventInfo, subject: String, text: String, html: String) -> Rendered {
    Rendered {
        subject: subject.trim().to_owned(),
        text,
        html,
        reply_to: reply_mailbox(event.organiser, event.contact),
        check_in_code: None,
    }
}

/// `"Name" <address>` as a `Reply-To` header value, `None` without a valid address.
fn reply_mailbox(name: &str, address: &str) -> Option<String> {
    let address = address.parse().ok()?;
    let name = Some(name.to_owned()).filter(|n| !n.is_empty());
    Some(lettre::message::Mailbox::new(name, address).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What people type, in every field a mail shows: markup, quotes and umlauts.
    const USER: &str = "Jörg <script>&\"'Müller";

    /// A check-in code as `domain::check_in_code` makes them.
    const CODE: &str = "AGAYKFLQ7YBZR4NCX5Q2WZQ3VOEJ3BTDMF7QZTA";

    const EVENT: EventInfo<'static> = EventInfo {
        title: "Jahrestagung <script>&\"' Öko",
        when: "Mittwoch, 24. Juni 2026, 09:00–17:30 Uhr (Europe/Berlin)",
        venue: "Kongreßhalle <b>&\"' Jena",
        organiser: "Tagungsbüro <i>&\"'",
        contact: "tagung@example.org",
    };

    /// A message, what it is, and the links it must carry.
    struct Case {
        what: String,
        mail: Rendered,
        links: Vec<&'static str>,
    }

    /// Every message podium sends, in `lang`, with user text everywhere and a link of its own.
    fn every_message(lang: Language, event: EventInfo<'static>) -> Vec<Case> {
        let a = |link| AttendeeMail {
            name: USER,
            event,
            link,
        };
        let p = |link| PitchMail {
            name: USER,
            pitch_title: USER,
            event,
            manage_url: link,
        };
        let x = |link| ExhibitMail {
            name: USER,
            exhibit_title: USER,
            event,
            manage_url: link,
        };
        let slot = SlotInfo {
            stage: "Saal <2>&\"'",
            when: "Mittwoch, 10:00–10:15 Uhr",
        };
        let moved = SlotInfo {
            stage: "Bühne <3>",
            when: "Donnerstag, 11:00–11:15 Uhr",
        };
        let booth = ExhibitDecision::Approved {
            booth: Some("Stand <7>&\"'"),
        };
        let case = |what: &str, mail, links: &[&'static str]| Case {
            what: what.to_owned(),
            mail,
            links: links.to_vec(),
        };
        let l = |n: &'static str| n;
        vec![
            case(
                "registration_confirmed",
                registration_confirmed(lang, &a(l("https://p.test/r/1?a=1&b=<2>")), CODE),
                &["https://p.test/r/1?a=1&b=<2>"],
            ),
            case(
                "registration_waitlisted",
                registration_waitlisted(lang, &a(l("https://p.test/r/2?x='y'")), 4),
                &["https://p.test/r/2?x='y'"],
            ),
            case(
                "registration_pending",
                registration_pending(lang, &a(l("https://p.test/r/3/confirm")), 24),
                &["https://p.test/r/3/confirm"],
            ),
            case(
                "registration_promoted",
                registration_promoted(lang, &a(l("https://p.test/r/4")), CODE),
                &["https://p.test/r/4"],
            ),
            case(
                "registration_cancelled",
                registration_cancelled(lang, &a(l("https://p.test/e/5"))),
                &["https://p.test/e/5"],
            ),
            case(
                "registration_expired",
                registration_expired(lang, &a(l("https://p.test/e/6")), 24),
                &["https://p.test/e/6"],
            ),
            case(
                "registration_link",
                registration_link(lang, &a(l("https://p.test/r/7?x=<y>"))),
                &["https://p.test/r/7?x=<y>"],
            ),
            case(
                "event_cancelled attendee",
                event_cancelled(lang, Role::Attendee, USER, event),
                &[],
            ),
            case(
                "event_cancelled presenter",
                event_cancelled(lang, Role::Presenter, USER, event),
                &[],
            ),
            case(
                "event_cancelled exhibitor",
                event_cancelled(lang, Role::Exhibitor, USER, event),
                &[],
            ),
            case(
                "pitch_received",
                pitch_received(lang, &p(l("https://p.test/p/1"))),
                &["https://p.test/p/1"],
            ),
            case(
                "pitch_accepted",
                pitch_accepted(lang, &p(l("https://p.test/p/2"))),
                &["https://p.test/p/2"],
            ),
            case(
                "pitch_rejected",
                pitch_rejected(lang, &p(l("https://p.test/p/3"))),
                &[],
            ),
            case(
                "pitch_slot_assigned",
                pitch_slot_assigned(lang, &p(l("https://p.test/p/4")), slot),
                &["https://p.test/p/4"],
            ),
            case(
                "pitch_slot_moved",
                pitch_slot_moved(lang, &p(l("https://p.test/p/5")), slot, moved),
                &["https://p.test/p/5"],
            ),
            case(
                "pitch_slot_unassigned",
                pitch_slot_unassigned(lang, &p(l("https://p.test/p/6")), slot),
                &["https://p.test/p/6"],
            ),
            case(
                "pitch_withdrawn",
                pitch_withdrawn(lang, &p(l("https://p.test/p/7"))),
                &[],
            ),
            case(
                "exhibit_received",
                exhibit_received(lang, &x(l("https://p.test/x/1"))),
                &["https://p.test/x/1"],
            ),
            case(
                "exhibit approved with a booth",
                exhibit_decision(lang, &x(l("https://p.test/x/2")), booth),
                &["https://p.test/x/2"],
            ),
            case(
                "exhibit approved without a booth",
                exhibit_decision(
                    lang,
                    &x(l("https://p.test/x/3")),
                    ExhibitDecision::Approved { booth: None },
                ),
                &["https://p.test/x/3"],
            ),
            case(
                "exhibit rejected",
                exhibit_decision(lang, &x(l("https://p.test/x/4")), ExhibitDecision::Rejected),
                &[],
            ),
            case(
                "exhibit waitlisted",
                exhibit_decision(
                    lang,
                    &x(l("https://p.test/x/5")),
                    ExhibitDecision::Waitlisted,
                ),
                &["https://p.test/x/5"],
            ),
            case(
                "exhibit_withdrawn",
                exhibit_withdrawn(lang, &x(l("https://p.test/x/6"))),
                &[],
            ),
            case(
                "announcement",
                announcement(
                    lang,
                    &AnnouncementMail {
                        name: USER,
                        event,
                        subject: USER,
                        text: "Raum <b>B</b> & \"C\"'\nab 9 Uhr.\n\nBis morgen, Müller!",
                        link: "https://p.test/r/7?a=<1>&b='2'",
                    },
                ),
                &["https://p.test/r/7?a=<1>&b='2'"],
            ),
        ]
    }

    /// The text of an HTML part as a reader sees it: tags dropped, character references decoded.
    fn html_to_text(html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            out.push_str(&rest[..start]);
            rest = rest[start..].split_once('>').map_or("", |(_, after)| after);
        }
        out.push_str(rest);
        decode(&out)
    }

    /// Decodes `&#NN;`, `&amp;`, `&lt;`, `&gt;`, `&quot;`; anything else is left as it is.
    fn decode(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            rest = &rest[amp..];
            let Some(end) = rest.find(';') else { break };
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                _ => entity
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32),
            };
            match c {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The values of every `href="…"` in an HTML part, decoded.
    fn hrefs(html: &str) -> Vec<String> {
        html.split("href=\"")
            .skip(1)
            .filter_map(|s| s.split_once('"').map(|(v, _)| decode(v)))
            .collect()
    }

    #[test]
    fn the_teams_mails_name_the_link_its_life_and_who_invited_whom_escaped_in_html() {
        let link = "https://p.test/orga/sign-in/link/abc?x=<1>";
        for lang in [Language::De, Language::En] {
            let sign_in = sign_in_link(
                lang,
                &SignInMail {
                    name: USER,
                    link,
                    minutes: 15,
                },
            );
            let events = [USER.to_owned(), "Sommerfest".to_owned()];
            let invited = invitation(
                lang,
                &InvitationMail {
                    name: USER,
                    link,
                    hours: 72,
                    invited_by: USER,
                    role: entity::organiser::Role::Door,
                    events: &events,
                },
            );
            for (mail, life) in [(&sign_in, "15"), (&invited, "72")] {
                assert!(
                    mail.text.contains(link) && mail.text.contains(life),
                    "{}",
                    mail.text
                );
                assert!(mail.text.contains(USER));
                assert!(
                    mail.html
                        .contains("href=\"https://p.test/orga/sign-in/link/abc?x=&#60;1&#62;\"")
                        || mail.html.contains("x=&lt;1&gt;"),
                    "{}",
                    mail.html
                );
                assert!(!mail.html.contains("<script>"), "{}", mail.html);
                assert!(mail.reply_to.is_none());
            }
            assert!(invited.text.contains("Sommerfest"));
            assert!(invited.subject.contains(USER));
        }
        let en = invitation(
            Language::En,
            &InvitationMail {
                name: "Dora",
                link,
                hours: 72,
                invited_by: "Ada",
                role: entity::organiser::Role::Admin,
                events: &[],
            },
        );
        assert_eq!(en.subject, "Ada invited you to the podium team");
        assert!(en
            .text
            .contains("as admin (everything, the team included), for all events."));
    }

    #[test]
    fn every_message_in_both_languages_escapes_user_text_in_html_only_and_carries_its_links() {
        for lang in [Language::De, Language::En] {
            let all = every_message(lang, EVENT);
            assert_eq!(all.len(), 24);
            for Case { what, mail, links } in all {
                let Rendered {
                    subject,
                    text,
                    html,
                    reply_to,
                    check_in_code,
                } = &mail;
                let ctx = format!("{what} ({lang:?})");
                // Nothing of the templates' syntax is left over.
                for part in [subject, text, html] {
                    for token in ["{{", "}}", "{%", "%}", "{#", "#}"] {
                        assert!(!part.contains(token), "{ctx}: {token} in\n{part}");
                    }
                }
                // The subject is one line of plain text, naming the event or the pitch/exhibit.
                assert!(
                    !subject.is_empty() && !subject.contains('\n'),
                    "{ctx}: {subject:?}"
                );
                assert!(
                    subject.contains(EVENT.title) || subject.contains(USER),
                    "{ctx}: {subject}"
                );
                // No stray blank lines or whitespace from the templates' tags.
                assert!(
                    !text.contains("\n\n\n") && !text.starts_with('\n'),
                    "{ctx}: {text:?}"
                );
                assert!(
                    text.lines().all(|l| l == "-- " || !l.ends_with(' ')),
                    "{ctx}: {text:?}"
                );
                assert!(
                    !html.contains("<p>\n") && !html.contains("\n</p>") && !html.contains("\n\n"),
                    "{ctx}: {html}"
                );
                // Plain text: user text as written, never escaped.
                assert!(text.contains(USER), "{ctx}: {text}");
                assert!(text.contains(EVENT.title), "{ctx}: {text}");
                assert!(
                    !text.contains("&#") && !text.contains("&amp;") && !text.contains("&lt;"),
                    "{ctx}: {text}"
                );
                // HTML: no markup of the user's survives, yet a reader sees all of it.
                for raw in ["<script>", "<b>", "<i>", "<1>", "<2>", "<3>", "<7>", "&\"'"] {
                    assert!(!html.contains(raw), "{ctx}: {raw} unescaped in\n{html}");
                }
                let seen = html_to_text(html);
                assert!(
                    seen.contains(USER) && seen.contains(EVENT.title),
                    "{ctx}: {seen}"
                );
                assert!(html.contains(&format!(
                    "<html lang=\"{}\">",
                    match lang {
                        Language::De => "de",
                        Language::En => "en",
                    }
                )));
                let title = html
                    .split_once("<title>")
                    .and_then(|(_, t)| t.split_once("</title>"));
                assert_eq!(
                    title.map(|(t, _)| decode(t)).as_ref(),
                    Some(subject),
                    "{ctx}"
                );
                // Every link, in both parts: as written in the text, as an href in the HTML.
                let html_links = hrefs(html);
                for link in &links {
                    assert!(
                        text.contains(&format!("\n{link}\n")),
                        "{ctx}: {link} not in\n{text}"
                    );
                    assert!(
                        html_links.iter().any(|h| h == link),
                        "{ctx}: {link} not in {html_links:?}"
                    );
                }
                assert_eq!(html_links.len(), links.len(), "{ctx}: {html_links:?}");
                // The text and the HTML say the same: every paragraph of the text is in the HTML.
                for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    for line in paragraph.lines().map(str::trim) {
                        let line = line.trim_end_matches(':');
                        let line = line.split_once(": ").map_or(line, |(_, v)| v);
                        if line == "--" || links.contains(&line) {
                            continue;
                        }
                        assert!(
                            seen.contains(line),
                            "{ctx}: {line:?} is in the text but not the HTML:\n{seen}"
                        );
                    }
                }
                // Confirmations show the check-in code as text and as the inline QR picture
                // the worker attaches; no other mail does.
                let confirms = what == "registration_confirmed" || what == "registration_promoted";
                let img = format!("<img src=\"cid:{}\"", crate::mail::qr::CONTENT_ID);
                if confirms {
                    assert_eq!(check_in_code.as_deref(), Some(CODE), "{ctx}");
                    assert_eq!(html.matches(&img).count(), 1, "{ctx}: {html}");
                    assert!(text.contains(&format!(": {CODE}\n")), "{ctx}: {text}");
                    assert!(seen.contains(CODE), "{ctx}");
                } else {
                    assert_eq!(*check_in_code, None, "{ctx}");
                    assert!(!html.contains("cid:") && !text.contains(CODE), "{ctx}");
                }
                // Signed by the organiser, who is the Reply-To.
                assert!(text.contains("\nTagungsbüro <i>&\"'\n"), "{ctx}: {text}");
                assert!(text.contains("tagung@example.org") && html.contains("tagung@example.org"));
                assert_eq!(
                    reply_to.as_deref(),
                    Some("\"Tagungsbüro <i>&\\\"'\" <tagung@example.org>"),
                    "{ctx}"
                );
            }
        }
    }

    #[test]
    fn german_mails_are_german_and_english_mails_english() {
        for Case { what, mail, .. } in every_message(Language::De, EVENT) {
            assert!(
                mail.text.starts_with(&format!("Guten Tag {USER},\n\n")),
                "{what}"
            );
            assert!(mail.text.contains("\nMit freundlichen Grüßen\n"), "{what}");
            assert!(mail.text.contains("Bei Fragen erreichen Sie"), "{what}");
        }
        for Case { what, mail, .. } in every_message(Language::En, EVENT) {
            assert!(
                mail.text.starts_with(&format!("Dear {USER},\n\n"))
                    || what == "announcement"
                        && mail.text.starts_with(&format!("Hello {USER},\n\n")),
                "{what}"
            );
            assert!(mail.text.contains("\nKind regards,\n"), "{what}");
            assert!(mail.text.contains("Questions? Write to"), "{what}");
        }
        let m = AttendeeMail {
            name: "Grete",
            event: EVENT,
            link: "https://x.test/c",
        };
        let r = registration_waitlisted(Language::De, &m, 3);
        assert!(r.subject.starts_with("Warteliste"));
        assert!(r.text.contains("  Ihr Platz auf der Warteliste: 3\n"));
    }

    #[test]
    fn an_event_cancellation_tells_each_role_what_it_loses() {
        for (role, en, de) in [
            (
                Role::Attendee,
                "Your registration is therefore void;",
                "Ihre Anmeldung entfällt damit;",
            ),
            (
                Role::Presenter,
                "Your pitch and any programme slot",
                "Damit entfallen auch Ihr Pitch",
            ),
            (
                Role::Exhibitor,
                "Your exhibit registration and any booth",
                "Damit entfallen auch Ihre Ausstelleranmeldung",
            ),
        ] {
            let r = event_cancelled(Language::En, role, "N", EVENT);
            assert!(r.text.contains(&format!("\n\n{en}")), "{}", r.text);
            assert!(r.html.contains(&format!("<p>{en}")), "{}", r.html);
            let r = event_cancelled(Language::De, role, "N", EVENT);
            assert!(r.text.contains(&format!("\n\n{de}")), "{}", r.text);
            assert!(r.html.contains(&format!("<p>{de}")), "{}", r.html);
        }
    }

    #[test]
    fn german_sentences_name_the_event_with_its_article() {
        let event = EventInfo {
            title: "Jahrestagung 2027",
            ..EVENT
        };
        for Case { mail, .. } in every_message(Language::De, event) {
            for bare in [
                "zu Jahrestagung",
                "für Jahrestagung",
                "bei Jahrestagung",
                "von Jahrestagung",
                "an Jahrestagung",
                "dass Jahrestagung",
            ] {
                assert!(!mail.text.contains(bare), "{bare:?} in {}", mail.text);
            }
            assert!(mail.text.contains("„Jahrestagung 2027“"), "{}", mail.text);
        }
    }

    #[test]
    fn the_hold_a_mail_names_is_the_events_own() {
        let m = AttendeeMail {
            name: "Grete",
            event: EVENT,
            link: "L",
        };
        for (hours, de, en) in [
            (24, "24 Stunden lang", "for 24 hours"),
            (1, "eine Stunde lang", "for 1 hour."),
            (72, "72 Stunden lang", "for 72 hours"),
        ] {
            assert!(registration_pending(Language::De, &m, hours)
                .text
                .contains(de));
            assert!(registration_pending(Language::En, &m, hours)
                .text
                .contains(en));
            assert!(registration_pending(Language::En, &m, hours)
                .html
                .contains(en));
        }
        for (hours, de, en) in [
            (
                24,
                "nicht innerhalb von 24 Stunden bestätigt",
                "within 24 hours,",
            ),
            (
                1,
                "nicht innerhalb einer Stunde bestätigt",
                "within 1 hour,",
            ),
        ] {
            assert!(registration_expired(Language::De, &m, hours)
                .text
                .contains(de));
            assert!(registration_expired(Language::En, &m, hours)
                .text
                .contains(en));
        }
        for lang in [Language::De, Language::En] {
            assert!(!registration_pending(lang, &m, 24).text.contains("48"));
            assert!(!registration_expired(lang, &m, 24).text.contains("48"));
        }
    }

    #[test]
    fn without_an_organiser_the_team_signs_and_nobody_is_the_reply_to() {
        let anonymous = EventInfo {
            organiser: " ",
            contact: "",
            ..EVENT
        };
        let m = AttendeeMail {
            name: "N",
            event: anonymous,
            link: "L",
        };
        let de = registration_confirmed(Language::De, &m, CODE);
        assert_eq!(de.reply_to, None);
        assert!(de.text.contains("\nIhr Organisationsteam\n"));
        assert!(de
            .text
            .ends_with("-- \nDiese Nachricht wurde automatisch versandt.\n"));
        let en = registration_confirmed(Language::En, &m, CODE);
        assert!(en.text.contains("\nThe organising team\n"));
        assert!(en
            .text
            .ends_with("-- \nThis message was sent automatically.\n"));
        // A name with specials survives the trip through the outbox into the header.
        let tricky = reply_mailbox("Büro, \"Jena\"", "a@example.org").unwrap();
        let parsed: lettre::message::Mailbox = tricky.parse().unwrap();
        assert_eq!(parsed.name.as_deref(), Some("Büro, \"Jena\""));
    }

    #[test]
    fn times_are_local_and_in_the_readers_language() {
        let s = "2026-06-24T07:00:00Z".parse().unwrap();
        let e = "2026-06-24T15:30:00Z".parse().unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            format_when(s, e, berlin, Language::En),
            "Wednesday, 24 June 2026, 09:00–17:30 (Europe/Berlin)"
        );
        assert_eq!(
            format_when(s, e, berlin, Language::De),
            "Mittwoch, 24. Juni 2026, 09:00–17:30 Uhr (Europe/Berlin)"
        );
        let e2 = "2026-06-25T15:00:00Z".parse().unwrap();
        assert_eq!(
            format_when(s, e2, berlin, Language::De),
            "Mittwoch, 24. Juni 2026, 09:00 Uhr – Donnerstag, 25. Juni 2026, 17:00 Uhr (Europe/Berlin)"
        );
    }
}
