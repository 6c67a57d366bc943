//! Every message podium sends: subject, plain text and HTML, in German and English.
//!
//! Each message is a function of a small context; the text and HTML are rendered from the
//! same blocks, so they always say the same thing, and all user text is escaped in the HTML.
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
// Attendees
// ---------------------------------------------------------------------------------------------

/// The seat is confirmed; `m.link` is the self-service (manage) link.
pub fn registration_confirmed(lang: Language, m: &AttendeeMail) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("Registration confirmed: {t}"), m.name, m.event)
            .p(format!("Thank you for registering for {t}. Your seat is confirmed and we look forward to welcoming you."))
            .event(m.event)
            .p("A calendar entry is attached. If your plans change, please cancel your registration so that someone on the waiting list can take your seat.")
            .link("View or cancel your registration", m.link),
        Language::De => Mail::new(lang, format!("Anmeldung bestätigt: {t}"), m.name, m.event)
            .p(format!("vielen Dank für Ihre Anmeldung zur Veranstaltung „{t}“. Ihr Platz ist bestätigt, und wir freuen uns auf Ihren Besuch."))
            .event(m.event)
            .p("Im Anhang finden Sie einen Kalendereintrag. Falls Sie verhindert sind, stornieren Sie Ihre Anmeldung bitte, damit jemand von der Warteliste nachrücken kann.")
            .link("Anmeldung ansehen oder stornieren", m.link),
    }
    .finish()
}

/// The event is full; the attendee is on the waiting list at `position` (1 = next).
pub fn registration_waitlisted(lang: Language, m: &AttendeeMail, position: i64) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("Waiting list: {t}"), m.name, m.event)
            .p(format!("Thank you for your interest in {t}. The event is fully booked at the moment, so we have put you on the waiting list."))
            .details(vec![("Your position", position.to_string())])
            .event(m.event)
            .p("If a seat becomes available, you will move up automatically and we will let you know by e-mail. There is nothing else you need to do.")
            .link("View or cancel your registration", m.link),
        Language::De => Mail::new(lang, format!("Warteliste: {t}"), m.name, m.event)
            .p(format!("vielen Dank für Ihr Interesse an der Veranstaltung „{t}“. Leider sind derzeit alle Plätze vergeben, deshalb haben wir Sie auf die Warteliste gesetzt."))
            .details(vec![("Ihr Platz auf der Warteliste", position.to_string())])
            .event(m.event)
            .p("Sobald ein Platz frei wird, rücken Sie automatisch nach, und wir geben Ihnen per E-Mail Bescheid. Sie müssen dafür nichts weiter tun.")
            .link("Anmeldung ansehen oder stornieren", m.link),
    }
    .finish()
}

/// Double opt-in: the seat is held for 48 hours until `m.link` (the confirm link) is used.
pub fn registration_pending(lang: Language, m: &AttendeeMail) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("Please confirm your registration: {t}"), m.name, m.event)
            .p(format!("We have received your registration for {t}. Please confirm your e-mail address using the link below."))
            .link("Confirm my registration", m.link)
            .p("We hold your seat for 48 hours. If you do not confirm within that time, the registration lapses and the seat is released.")
            .event(m.event)
            .p("If you did not register, please ignore this message; nothing further will happen."),
        Language::De => Mail::new(lang, format!("Bitte bestätigen Sie Ihre Anmeldung: {t}"), m.name, m.event)
            .p(format!("wir haben Ihre Anmeldung zur Veranstaltung „{t}“ erhalten. Bitte bestätigen Sie noch Ihre E-Mail-Adresse über den folgenden Link."))
            .link("Anmeldung bestätigen", m.link)
            .p("Wir halten Ihren Platz 48 Stunden lang für Sie frei. Bestätigen Sie in dieser Zeit nicht, läuft die Anmeldung ab, und der Platz wird wieder vergeben.")
            .event(m.event)
            .p("Falls Sie sich nicht selbst angemeldet haben, können Sie diese Nachricht einfach ignorieren; es passiert dann nichts weiter."),
    }
    .finish()
}

/// A seat became free and the waitlisted attendee now has it; `m.link` is the manage link.
pub fn registration_promoted(lang: Language, m: &AttendeeMail) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("A seat is now yours: {t}"), m.name, m.event)
            .p(format!("Good news: a seat has become available for {t} and you have moved up from the waiting list. Your registration is now confirmed."))
            .event(m.event)
            .p("A calendar entry is attached. If you can no longer attend, please cancel so that the next person on the waiting list can take your seat.")
            .link("View or cancel your registration", m.link),
        Language::De => Mail::new(lang, format!("Sie sind nachgerückt: {t}"), m.name, m.event)
            .p(format!("eine gute Nachricht: Bei der Veranstaltung „{t}“ ist ein Platz frei geworden, und Sie sind von der Warteliste nachgerückt. Ihre Anmeldung ist damit bestätigt."))
            .event(m.event)
            .p("Im Anhang finden Sie einen Kalendereintrag. Falls Sie doch nicht teilnehmen können, stornieren Sie Ihre Anmeldung bitte, damit die nächste Person von der Warteliste nachrücken kann.")
            .link("Anmeldung ansehen oder stornieren", m.link),
    }
    .finish()
}

/// Confirms the attendee's own cancellation; `m.link` is the event page.
pub fn registration_cancelled(lang: Language, m: &AttendeeMail) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("Registration cancelled: {t}"), m.name, m.event)
            .p(format!("As requested, we have cancelled your registration for {t}. Your seat has been released."))
            .event(m.event)
            .p("Should you wish to attend after all, you are welcome to register again while registration is open.")
            .link("Event page", m.link),
        Language::De => Mail::new(lang, format!("Anmeldung storniert: {t}"), m.name, m.event)
            .p(format!("wie gewünscht haben wir Ihre Anmeldung zur Veranstaltung „{t}“ storniert und Ihren Platz freigegeben."))
            .event(m.event)
            .p("Wenn Sie doch teilnehmen möchten, können Sie sich gern erneut anmelden, solange die Anmeldung noch offen ist.")
            .link("Zur Veranstaltung", m.link),
    }
    .finish()
}

/// An unconfirmed (double opt-in) registration lapsed after 48 hours; `m.link` is the event page.
pub fn registration_expired(lang: Language, m: &AttendeeMail) -> Rendered {
    let t = m.event.title;
    match lang {
        Language::En => Mail::new(lang, format!("Registration expired: {t}"), m.name, m.event)
            .p(format!("Your registration for {t} was not confirmed within 48 hours, so it has lapsed and the seat we held for you has been released."))
            .event(m.event)
            .p("If you would still like to attend, please register again.")
            .link("Register again", m.link),
        Language::De => Mail::new(lang, format!("Anmeldung abgelaufen: {t}"), m.name, m.event)
            .p(format!("Sie haben Ihre Anmeldung zur Veranstaltung „{t}“ nicht innerhalb von 48 Stunden bestätigt. Die Anmeldung ist deshalb abgelaufen, und den für Sie reservierten Platz haben wir wieder freigegeben."))
            .event(m.event)
            .p("Wenn Sie weiterhin teilnehmen möchten, melden Sie sich bitte einfach noch einmal an.")
            .link("Erneut anmelden", m.link),
    }
    .finish()
}

/// The event is cancelled; sent to every active attendee, presenter and exhibitor.
pub fn event_cancelled(lang: Language, role: Role, name: &str, event: EventInfo) -> Rendered {
    let t = event.title;
    match lang {
        Language::En => {
            let consequence = match role {
                Role::Attendee => "Your registration is therefore void; there is nothing you need to do.",
                Role::Presenter => "Your pitch and any programme slot assigned to it are therefore cancelled as well.",
                Role::Exhibitor => "Your exhibit registration and any booth allocated to it are therefore cancelled as well.",
            };
            Mail::new(lang, format!("Cancelled: {t}"), name, event)
                .p(format!("We regret to inform you that {t} has been cancelled and will not take place."))
                .event(event)
                .p(consequence)
                .p("The calendar entry has been marked as cancelled. We apologise for any inconvenience and thank you for your understanding.")
        }
        Language::De => {
            let consequence = match role {
                Role::Attendee => "Ihre Anmeldung entfällt damit; Sie müssen nichts weiter tun.",
                Role::Presenter => "Damit entfallen auch Ihr Pitch und ein bereits zugewiesener Programmplatz.",
                Role::Exhibitor => "Damit entfallen auch Ihre Ausstelleranmeldung und ein bereits zugewiesener Stand.",
            };
            Mail::new(lang, format!("Abgesagt: {t}"), name, event)
                .p(format!("leider müssen wir Ihnen mitteilen, dass die Veranstaltung „{t}“ abgesagt ist und nicht stattfinden wird."))
                .event(event)
                .p(consequence)
                .p("Den Kalendereintrag haben wir als abgesagt markiert. Wir bedauern die Absage sehr und bitten um Ihr Verständnis.")
        }
    }
    .finish()
}

// ---------------------------------------------------------------------------------------------
// Presenters
// ---------------------------------------------------------------------------------------------

/// A pitch proposal arrived.
pub fn pitch_received(lang: Language, m: &PitchMail) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Pitch received: {p}"), m.name, m.event)
            .p(format!("Thank you for proposing a pitch for {t}. We have received it and the programme committee will review it; we will let you know its decision by e-mail."))
            .details(vec![("Pitch", p.to_owned())])
            .event(m.event)
            .link("View or withdraw your pitch", m.manage_url),
        Language::De => Mail::new(lang, format!("Pitch eingegangen: {p}"), m.name, m.event)
            .p(format!("vielen Dank für Ihren Pitch-Vorschlag für die Veranstaltung „{t}“. Er ist bei uns eingegangen, und das Programmkomitee wird ihn prüfen. Über die Entscheidung informieren wir Sie per E-Mail."))
            .details(vec![("Pitch", p.to_owned())])
            .event(m.event)
            .link("Pitch ansehen oder zurückziehen", m.manage_url),
    }
    .finish()
}

/// The programme committee accepted the pitch; a slot follows separately.
pub fn pitch_accepted(lang: Language, m: &PitchMail) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Pitch accepted: {p}"), m.name, m.event)
            .p(format!(
                "We are delighted to tell you that your pitch has been accepted for {t}."
            ))
            .details(vec![("Pitch", p.to_owned())])
            .event(m.event)
            .p("We will let you know your stage and time as soon as the programme is scheduled.")
            .link("View your pitch", m.manage_url),
        Language::De => Mail::new(lang, format!("Pitch angenommen: {p}"), m.name, m.event)
            .p(format!(
                "wir freuen uns, Ihnen mitzuteilen, dass Ihr Pitch für die Veranstaltung „{t}“ angenommen wurde."
            ))
            .details(vec![("Pitch", p.to_owned())])
            .event(m.event)
            .p("Bühne und Uhrzeit teilen wir Ihnen mit, sobald das Programm steht.")
            .link("Pitch ansehen", m.manage_url),
    }
    .finish()
}

/// The programme committee declined the pitch.
pub fn pitch_rejected(lang: Language, m: &PitchMail) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Your pitch for {t}"), m.name, m.event)
            .p(format!("Thank you for proposing a pitch for {t}. We received many strong proposals and, after careful consideration, we are unable to include yours in this year's programme."))
            .details(vec![("Pitch", p.to_owned())])
            .p("We appreciate the effort you put into your proposal and hope to welcome you at the event all the same."),
        Language::De => Mail::new(lang, format!("Ihr Pitch-Vorschlag: {t}"), m.name, m.event)
            .p(format!("vielen Dank für Ihren Pitch-Vorschlag für die Veranstaltung „{t}“. Uns haben viele starke Vorschläge erreicht. Nach sorgfältiger Abwägung können wir Ihren Vorschlag in diesem Jahr leider nicht ins Programm aufnehmen."))
            .details(vec![("Pitch", p.to_owned())])
            .p("Wir danken Ihnen für die Mühe, die Sie sich gemacht haben, und würden uns freuen, Sie trotzdem als Gast begrüßen zu dürfen."),
    }
    .finish()
}

/// The pitch got a slot; an `.ics` should be attached.
pub fn pitch_slot_assigned(lang: Language, m: &PitchMail, slot: SlotInfo) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Your slot at {t}: {p}"), m.name, m.event)
            .p(format!("Your pitch has been scheduled in the programme of {t}."))
            .details(vec![("Pitch", p.to_owned()), ("Stage", slot.stage.to_owned()), ("Time", slot.when.to_owned())])
            .event(m.event)
            .p("A calendar entry is attached. Please be at the stage ten minutes before your slot begins.")
            .link("View your pitch", m.manage_url),
        Language::De => Mail::new(lang, format!("Ihr Programmplatz: {p} – {t}"), m.name, m.event)
            .p(format!("Ihr Pitch hat einen festen Platz im Programm der Veranstaltung „{t}“."))
            .details(vec![("Pitch", p.to_owned()), ("Bühne", slot.stage.to_owned()), ("Zeit", slot.when.to_owned())])
            .event(m.event)
            .p("Im Anhang finden Sie einen Kalendereintrag. Bitte seien Sie zehn Minuten vor Beginn an der Bühne.")
            .link("Pitch ansehen", m.manage_url),
    }
    .finish()
}

/// The slot holding the pitch moved to another time or stage; an updated `.ics` should be attached.
pub fn pitch_slot_moved(lang: Language, m: &PitchMail, from: SlotInfo, to: SlotInfo) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Schedule change at {t}: {p}"), m.name, m.event)
            .p(format!("The programme of {t} has changed, and your pitch has a new time or stage."))
            .details(vec![
                ("Pitch", p.to_owned()),
                ("New stage", to.stage.to_owned()),
                ("New time", to.when.to_owned()),
                ("Previously", format!("{}, {}", from.stage, from.when)),
            ])
            .p("The attached calendar entry replaces the previous one. We apologise for any inconvenience.")
            .link("View your pitch", m.manage_url),
        Language::De => Mail::new(lang, format!("Programmänderung: {p} – {t}"), m.name, m.event)
            .p(format!("das Programm der Veranstaltung „{t}“ hat sich geändert: Ihr Pitch findet zu einer anderen Zeit oder auf einer anderen Bühne statt."))
            .details(vec![
                ("Pitch", p.to_owned()),
                ("Neue Bühne", to.stage.to_owned()),
                ("Neue Zeit", to.when.to_owned()),
                ("Bisher", format!("{}, {}", from.stage, from.when)),
            ])
            .p("Der beigefügte Kalendereintrag ersetzt den bisherigen. Wir bitten um Ihr Verständnis.")
            .link("Pitch ansehen", m.manage_url),
    }
    .finish()
}

/// The pitch lost its slot (the slot was removed or the assignment undone).
pub fn pitch_slot_unassigned(lang: Language, m: &PitchMail, previous: SlotInfo) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Schedule change at {t}: {p}"), m.name, m.event)
            .p(format!("Your pitch is no longer scheduled in the slot below at {t}. Your pitch remains accepted; we will be in touch as soon as it has a new slot."))
            .details(vec![("Pitch", p.to_owned()), ("Stage", previous.stage.to_owned()), ("Time", previous.when.to_owned())])
            .p("Please remove the previous calendar entry. We apologise for any inconvenience.")
            .link("View your pitch", m.manage_url),
        Language::De => Mail::new(lang, format!("Programmänderung: {p} – {t}"), m.name, m.event)
            .p(format!("Ihr Pitch ist bei der Veranstaltung „{t}“ nicht mehr für den unten genannten Programmplatz eingeplant. Er bleibt aber angenommen, und wir melden uns, sobald er einen neuen Platz hat."))
            .details(vec![("Pitch", p.to_owned()), ("Bühne", previous.stage.to_owned()), ("Zeit", previous.when.to_owned())])
            .p("Der beigefügte Kalendereintrag streicht den bisherigen Termin aus Ihrem Kalender. Wir bitten um Ihr Verständnis.")
            .link("Pitch ansehen", m.manage_url),
    }
    .finish()
}

/// Confirms that the presenter withdrew the pitch.
pub fn pitch_withdrawn(lang: Language, m: &PitchMail) -> Rendered {
    let (p, t) = (m.pitch_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Pitch withdrawn: {p}"), m.name, m.event)
            .p(format!("As requested, we have withdrawn your pitch for {t}. Any slot it held has been released."))
            .details(vec![("Pitch", p.to_owned())])
            .p("Thank you for letting us know. We hope to see you at a future event."),
        Language::De => Mail::new(lang, format!("Pitch zurückgezogen: {p}"), m.name, m.event)
            .p(format!("wie gewünscht haben wir Ihren Pitch für die Veranstaltung „{t}“ zurückgezogen. Einen bereits zugewiesenen Programmplatz haben wir freigegeben."))
            .details(vec![("Pitch", p.to_owned())])
            .p("Vielen Dank, dass Sie uns Bescheid gegeben haben. Wir hoffen, Sie bei einer unserer nächsten Veranstaltungen wiederzusehen."),
    }
    .finish()
}

// ---------------------------------------------------------------------------------------------
// Exhibitors
// ---------------------------------------------------------------------------------------------

/// An exhibit registration arrived.
pub fn exhibit_received(lang: Language, m: &ExhibitMail) -> Rendered {
    let (x, t) = (m.exhibit_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Exhibit registration received: {x}"), m.name, m.event)
            .p(format!("Thank you for registering an exhibit for {t}. We have received your registration and will let you know our decision, and your booth, by e-mail."))
            .details(vec![("Exhibit", x.to_owned())])
            .event(m.event)
            .link("View or withdraw your registration", m.manage_url),
        Language::De => Mail::new(lang, format!("Ausstelleranmeldung eingegangen: {x}"), m.name, m.event)
            .p(format!("vielen Dank für Ihre Ausstelleranmeldung für die Veranstaltung „{t}“. Sie ist bei uns eingegangen; über unsere Entscheidung und Ihren Stand informieren wir Sie per E-Mail."))
            .details(vec![("Ausstellungsbeitrag", x.to_owned())])
            .event(m.event)
            .link("Anmeldung ansehen oder zurückziehen", m.manage_url),
    }
    .finish()
}

/// The organisers approved (with a booth), rejected or waitlisted an exhibit.
pub fn exhibit_decision(lang: Language, m: &ExhibitMail, decision: ExhibitDecision) -> Rendered {
    let (x, t) = (m.exhibit_title, m.event.title);
    match (lang, decision) {
        (Language::En, ExhibitDecision::Approved { booth }) => {
            let mut details = vec![("Exhibit", x.to_owned())];
            let booth_line = match booth {
                Some(b) => {
                    details.push(("Booth", b.to_owned()));
                    "Your booth is listed below."
                }
                None => "We will let you know your booth number shortly.",
            };
            Mail::new(lang, format!("Exhibit approved: {x}"), m.name, m.event)
                .p(format!("We are pleased to confirm your exhibit at {t}. {booth_line}"))
                .details(details)
                .event(m.event)
                .link("View your registration", m.manage_url)
        }
        (Language::De, ExhibitDecision::Approved { booth }) => {
            let mut details = vec![("Ausstellungsbeitrag", x.to_owned())];
            let booth_line = match booth {
                Some(b) => {
                    details.push(("Stand", b.to_owned()));
                    "Ihren Stand finden Sie unten."
                }
                None => "Ihre Standnummer teilen wir Ihnen in Kürze mit.",
            };
            Mail::new(lang, format!("Ausstelleranmeldung bestätigt: {x}"), m.name, m.event)
                .p(format!("wir freuen uns, Ihnen Ihre Teilnahme als Aussteller bei der Veranstaltung „{t}“ zu bestätigen. {booth_line}"))
                .details(details)
                .event(m.event)
                .link("Anmeldung ansehen", m.manage_url)
        }
        (Language::En, ExhibitDecision::Rejected) => Mail::new(lang, format!("Your exhibit registration for {t}"), m.name, m.event)
            .p(format!("Thank you for your interest in exhibiting at {t}. Unfortunately we are unable to offer you exhibition space this time."))
            .details(vec![("Exhibit", x.to_owned())])
            .p("We appreciate your interest and hope to welcome you at a future event."),
        (Language::De, ExhibitDecision::Rejected) => Mail::new(lang, format!("Ihre Ausstelleranmeldung: {t}"), m.name, m.event)
            .p(format!("vielen Dank für Ihr Interesse, bei der Veranstaltung „{t}“ auszustellen. Leider können wir Ihnen diesmal keine Ausstellungsfläche anbieten."))
            .details(vec![("Ausstellungsbeitrag", x.to_owned())])
            .p("Wir danken Ihnen für Ihr Interesse und hoffen, Sie bei einer unserer nächsten Veranstaltungen begrüßen zu dürfen."),
        (Language::En, ExhibitDecision::Waitlisted) => Mail::new(lang, format!("Exhibit waiting list: {x}"), m.name, m.event)
            .p(format!("Thank you for registering an exhibit for {t}. All exhibition space is allocated at the moment, so we have put your exhibit on the waiting list."))
            .details(vec![("Exhibit", x.to_owned())])
            .p("Should space become available, we will contact you straight away.")
            .link("View or withdraw your registration", m.manage_url),
        (Language::De, ExhibitDecision::Waitlisted) => Mail::new(lang, format!("Warteliste für Aussteller: {x}"), m.name, m.event)
            .p(format!("vielen Dank für Ihre Ausstelleranmeldung für die Veranstaltung „{t}“. Die Ausstellungsfläche ist derzeit vollständig vergeben, deshalb haben wir Ihre Anmeldung auf die Warteliste gesetzt."))
            .details(vec![("Ausstellungsbeitrag", x.to_owned())])
            .p("Sobald Fläche frei wird, melden wir uns umgehend bei Ihnen.")
            .link("Anmeldung ansehen oder zurückziehen", m.manage_url),
    }
    .finish()
}

/// Confirms that the exhibitor withdrew the registration.
pub fn exhibit_withdrawn(lang: Language, m: &ExhibitMail) -> Rendered {
    let (x, t) = (m.exhibit_title, m.event.title);
    match lang {
        Language::En => Mail::new(lang, format!("Exhibit withdrawn: {x}"), m.name, m.event)
            .p(format!("As requested, we have withdrawn your exhibit registration for {t}. Any booth allocated to it has been released."))
            .details(vec![("Exhibit", x.to_owned())])
            .p("Thank you for letting us know. We hope to welcome you at a future event."),
        Language::De => Mail::new(lang, format!("Ausstelleranmeldung zurückgezogen: {x}"), m.name, m.event)
            .p(format!("wie gewünscht haben wir Ihre Ausstelleranmeldung für die Veranstaltung „{t}“ zurückgezogen. Einen bereits zugewiesenen Stand haben wir freigegeben."))
            .details(vec![("Ausstellungsbeitrag", x.to_owned())])
            .p("Vielen Dank, dass Sie uns Bescheid gegeben haben. Wir hoffen, Sie bei einer unserer nächsten Veranstaltungen begrüßen zu dürfen."),
    }
    .finish()
}

// ---------------------------------------------------------------------------------------------
// Rendering: one list of blocks, two renderings.
// ---------------------------------------------------------------------------------------------

enum Block {
    Para(String),
    Details(Vec<(&'static str, String)>),
    Link { label: &'static str, url: String },
}

struct Mail {
    lang: Language,
    subject: String,
    name: String,
    /// Who signs the mail and answers questions: the event's organiser.
    organiser: String,
    contact: String,
    blocks: Vec<Block>,
}

impl Mail {
    fn new(lang: Language, subject: String, name: &str, event: EventInfo) -> Self {
        Self {
            lang,
            subject,
            name: name.to_owned(),
            organiser: event.organiser.trim().to_owned(),
            contact: event.contact.trim().to_owned(),
            blocks: Vec::new(),
        }
    }

    fn p(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Para(text.into()));
        self
    }

    fn details(mut self, rows: Vec<(&'static str, String)>) -> Self {
        self.blocks.push(Block::Details(rows));
        self
    }

    fn event(self, e: EventInfo) -> Self {
        let rows = match self.lang {
            Language::En => vec![("Event", e.title), ("Date", e.when), ("Venue", e.venue)],
            Language::De => vec![
                ("Veranstaltung", e.title),
                ("Termin", e.when),
                ("Ort", e.venue),
            ],
        };
        let rows = rows
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.to_owned()))
            .collect();
        self.details(rows)
    }

    fn link(mut self, label: &'static str, url: &str) -> Self {
        self.blocks.push(Block::Link {
            label,
            url: url.to_owned(),
        });
        self
    }

    fn finish(self) -> Rendered {
        let organiser = match (self.organiser.is_empty(), self.lang) {
            (false, _) => self.organiser.clone(),
            (true, Language::En) => "The organising team".to_owned(),
            (true, Language::De) => "Ihr Organisationsteam".to_owned(),
        };
        let (greeting, closing, footer) = match self.lang {
            Language::En => (
                format!("Dear {},", self.name),
                "Kind regards,",
                match self.contact.is_empty() {
                    false => format!(
                        "Questions? Write to {organiser} at {}, or simply reply to this e-mail.",
                        self.contact
                    ),
                    true => "This message was sent automatically.".to_owned(),
                },
            ),
            Language::De => (
                format!("Guten Tag {},", self.name),
                "Mit freundlichen Grüßen",
                match self.contact.is_empty() {
                    false => format!(
                        "Bei Fragen erreichen Sie {organiser} unter {}; Sie können auch einfach auf diese E-Mail antworten.",
                        self.contact
                    ),
                    true => "Diese Nachricht wurde automatisch versandt.".to_owned(),
                },
            ),
        };
        let team = organiser.as_str();
        let reply_to = reply_mailbox(&self.organiser, &self.contact);
        let lang = match self.lang {
            Language::En => "en",
            Language::De => "de",
        };

        let mut text = format!("{greeting}\n\n");
        let mut html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
             <body style=\"font-family: Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.5; color: #222;\">\n\
             <p>{}</p>\n",
            escape(&self.subject),
            escape(&greeting)
        );
        for block in &self.blocks {
            match block {
                Block::Para(p) => {
                    text.push_str(p);
                    text.push_str("\n\n");
                    html.push_str(&format!("<p>{}</p>\n", escape(p)));
                }
                Block::Details(rows) if rows.is_empty() => {}
                Block::Details(rows) => {
                    html.push_str(
                        "<table style=\"border-collapse: collapse; margin: 0 0 1em;\">\n",
                    );
                    for (k, v) in rows {
                        text.push_str(&format!("  {k}: {v}\n"));
                        html.push_str(&format!(
                            "<tr><th style=\"text-align: left; padding: 2px 12px 2px 0; vertical-align: top;\">{}</th><td style=\"padding: 2px 0;\">{}</td></tr>\n",
                            escape(k),
                            escape(v)
                        ));
                    }
                    text.push('\n');
                    html.push_str("</table>\n");
                }
                Block::Link { label, url } => {
                    text.push_str(&format!("{label}:\n{url}\n\n"));
                    html.push_str(&format!(
                        "<p><a href=\"{}\">{}</a></p>\n",
                        escape(url),
                        escape(label)
                    ));
                }
            }
        }
        text.push_str(&format!("{closing}\n{team}\n\n-- \n{footer}\n"));
        html.push_str(&format!(
            "<p>{}<br>{}</p>\n<p style=\"color: #777; font-size: 12px;\">{}</p>\n</body>\n</html>\n",
            escape(closing),
            escape(team),
            escape(&footer)
        ));
        Rendered {
            subject: self.subject,
            text,
            html,
            reply_to,
        }
    }
}

/// `"Name" <address>` as a `Reply-To` header value, `None` without a valid address.
fn reply_mailbox(name: &str, address: &str) -> Option<String> {
    let address = address.parse().ok()?;
    let name = Some(name.to_owned()).filter(|n| !n.is_empty());
    Some(lettre::message::Mailbox::new(name, address).to_string())
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: EventInfo<'static> = EventInfo {
        title: "Rust & <Friends> 2026",
        when: "Monday, 24 June 2026, 09:00–17:00 (Europe/Berlin)",
        venue: "Kongresshalle, Hauptstraße 1",
        organiser: "Tagungsbüro Jena",
        contact: "tagung@example.org",
    };

    #[test]
    fn user_text_is_escaped_in_html_but_not_in_text() {
        let m = AttendeeMail {
            name: "Ada \"<script>\"",
            event: EVENT,
            link: "https://x.test/r?a=1&b=2",
        };
        let r = registration_confirmed(Language::En, &m);
        assert_eq!(r.subject, "Registration confirmed: Rust & <Friends> 2026");
        assert!(r.text.contains("Dear Ada \"<script>\","));
        assert!(r.text.contains("https://x.test/r?a=1&b=2"));
        assert!(!r.html.contains("<script>"));
        assert!(!r.html.contains("<Friends>"));
        assert!(r.html.contains("Rust &amp; &lt;Friends&gt; 2026"));
        assert!(r.html.contains("href=\"https://x.test/r?a=1&amp;b=2\""));
    }

    #[test]
    fn german_mails_are_german() {
        let m = AttendeeMail {
            name: "Grete",
            event: EVENT,
            link: "https://x.test/c",
        };
        let r = registration_waitlisted(Language::De, &m, 3);
        assert!(r.subject.starts_with("Warteliste"));
        assert!(r.text.starts_with("Guten Tag Grete,"));
        assert!(r.text.contains("Ihr Platz auf der Warteliste: 3"));
        assert!(r.html.contains("lang=\"de\""));
        let r = registration_pending(Language::De, &m);
        assert!(r.text.contains("48 Stunden"));
    }

    #[test]
    fn every_message_renders_in_both_languages() {
        let a = AttendeeMail {
            name: "N",
            event: EVENT,
            link: "L",
        };
        let p = PitchMail {
            name: "N",
            pitch_title: "P",
            event: EVENT,
            manage_url: "L",
        };
        let x = ExhibitMail {
            name: "N",
            exhibit_title: "X",
            event: EVENT,
            manage_url: "L",
        };
        let s1 = SlotInfo {
            stage: "Main",
            when: "10:00",
        };
        let s2 = SlotInfo {
            stage: "Side",
            when: "11:00",
        };
        for lang in [Language::De, Language::En] {
            let all = [
                registration_confirmed(lang, &a),
                registration_waitlisted(lang, &a, 1),
                registration_pending(lang, &a),
                registration_promoted(lang, &a),
                registration_cancelled(lang, &a),
                registration_expired(lang, &a),
                event_cancelled(lang, Role::Attendee, "N", EVENT),
                event_cancelled(lang, Role::Presenter, "N", EVENT),
                event_cancelled(lang, Role::Exhibitor, "N", EVENT),
                pitch_received(lang, &p),
                pitch_accepted(lang, &p),
                pitch_rejected(lang, &p),
                pitch_slot_assigned(lang, &p, s1),
                pitch_slot_moved(lang, &p, s1, s2),
                pitch_slot_unassigned(lang, &p, s1),
                pitch_withdrawn(lang, &p),
                exhibit_received(lang, &x),
                exhibit_decision(lang, &x, ExhibitDecision::Approved { booth: Some("B7") }),
                exhibit_decision(lang, &x, ExhibitDecision::Approved { booth: None }),
                exhibit_decision(lang, &x, ExhibitDecision::Rejected),
                exhibit_decision(lang, &x, ExhibitDecision::Waitlisted),
                exhibit_withdrawn(lang, &x),
            ];
            for r in all {
                assert!(
                    !r.subject.is_empty() && r.text.len() > 50 && r.html.ends_with("</html>\n")
                );
            }
        }
    }

    /// Every message, rendered for an event called "Jahrestagung 2027".
    fn all_messages(lang: Language) -> Vec<Rendered> {
        let event = EventInfo {
            title: "Jahrestagung 2027",
            ..EVENT
        };
        let a = AttendeeMail {
            name: "Grete Müller",
            event,
            link: "L",
        };
        let p = PitchMail {
            name: "N",
            pitch_title: "Linsen",
            event,
            manage_url: "L",
        };
        let x = ExhibitMail {
            name: "N",
            exhibit_title: "Stand",
            event,
            manage_url: "L",
        };
        let slot = SlotInfo {
            stage: "Saal 2",
            when: "10:00",
        };
        vec![
            registration_confirmed(lang, &a),
            registration_waitlisted(lang, &a, 1),
            registration_pending(lang, &a),
            registration_promoted(lang, &a),
            registration_cancelled(lang, &a),
            registration_expired(lang, &a),
            event_cancelled(lang, Role::Attendee, "N", event),
            event_cancelled(lang, Role::Presenter, "N", event),
            event_cancelled(lang, Role::Exhibitor, "N", event),
            pitch_received(lang, &p),
            pitch_accepted(lang, &p),
            pitch_rejected(lang, &p),
            pitch_slot_assigned(lang, &p, slot),
            pitch_slot_moved(lang, &p, slot, slot),
            pitch_slot_unassigned(lang, &p, slot),
            pitch_withdrawn(lang, &p),
            exhibit_received(lang, &x),
            exhibit_decision(lang, &x, ExhibitDecision::Approved { booth: Some("B7") }),
            exhibit_decision(lang, &x, ExhibitDecision::Rejected),
            exhibit_decision(lang, &x, ExhibitDecision::Waitlisted),
            exhibit_withdrawn(lang, &x),
        ]
    }

    #[test]
    fn german_sentences_name_the_event_with_its_article() {
        for r in all_messages(Language::De) {
            for bare in [
                "zu Jahrestagung",
                "für Jahrestagung",
                "bei Jahrestagung",
                "von Jahrestagung",
                "an Jahrestagung",
                "dass Jahrestagung",
            ] {
                assert!(!r.text.contains(bare), "{bare:?} in {}", r.text);
            }
            assert!(r.text.contains("„Jahrestagung 2027“"), "{}", r.text);
        }
    }

    #[test]
    fn every_mail_is_signed_by_the_organiser_who_is_the_reply_to_and_named_in_the_footer() {
        for lang in [Language::De, Language::En] {
            for r in all_messages(lang) {
                assert!(r.text.contains("\nTagungsbüro Jena\n"), "{}", r.text);
                assert!(r.text.contains("tagung@example.org"), "{}", r.text);
                assert!(r.html.contains("tagung@example.org"));
                assert!(!r.text.contains("antworten Sie nicht") && !r.text.contains("not reply"));
                assert_eq!(
                    r.reply_to.as_deref(),
                    Some("Tagungsbüro Jena <tagung@example.org>")
                );
            }
        }
        let anonymous = EventInfo {
            organiser: "",
            contact: "",
            ..EVENT
        };
        let m = AttendeeMail {
            name: "N",
            event: anonymous,
            link: "L",
        };
        let r = registration_confirmed(Language::De, &m);
        assert_eq!(r.reply_to, None);
        // A name with specials survives the trip through the outbox into the header.
        let tricky = reply_mailbox("Büro, \"Jena\"", "a@example.org").unwrap();
        let parsed: lettre::message::Mailbox = tricky.parse().unwrap();
        assert_eq!(parsed.name.as_deref(), Some("Büro, \"Jena\""));
        assert!(r.text.contains("Ihr Organisationsteam"));
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
