//! The backoffice's words in English and German.
use entity::registration::Language;

/// Every text a backoffice page shows, in one language.
pub struct Texts {
    pub lang: &'static str,
    pub backoffice: &'static str,
    pub sign_in_title: &'static str,
    pub token_label: &'static str,
    pub token_hint: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub wrong_token: &'static str,
    pub dashboard_title: &'static str,
    pub signed_in_as: &'static str,
    pub events_heading: &'static str,
    pub no_events: &'static str,
    pub event: &'static str,
    pub status: &'static str,
    pub registrations: &'static str,
    pub checked_in: &'static str,
    pub pitches_open: &'static str,
    pub exhibits_open: &'static str,
    pub draft: &'static str,
    pub published: &'static str,
    pub cancelled: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub cross_site_body: &'static str,
    pub error_title: &'static str,
    pub error_body: &'static str,
    pub back: &'static str,
}

impl Texts {
    /// The texts of `lang`.
    pub fn of(lang: Language) -> &'static Texts {
        match lang {
            Language::De => &DE,
            Language::En => &EN,
        }
    }
}

pub static EN: Texts = Texts {
    lang: "en",
    backoffice: "Backoffice",
    sign_in_title: "Sign in",
    token_label: "Your organiser token",
    token_hint: "The token an admin gave you, or the one `podium organiser add` printed.",
    sign_in: "Sign in",
    sign_out: "Sign out",
    wrong_token: "This token signs nobody in. Check it and try again.",
    dashboard_title: "Dashboard",
    signed_in_as: "Signed in as",
    events_heading: "Your events",
    no_events: "No events yet.",
    event: "Event",
    status: "Status",
    registrations: "Registrations",
    checked_in: "Checked in",
    pitches_open: "Pitches to decide",
    exhibits_open: "Exhibits to decide",
    draft: "draft",
    published: "published",
    cancelled: "cancelled",
    forbidden_title: "Not allowed",
    forbidden_body: "Your role does not allow this page.",
    cross_site_body: "This form was not sent from podium's own page, so nothing was changed. Open the page again and send the form from there.",
    error_title: "Something went wrong",
    error_body: "Please try again in a moment.",
    back: "Back to the dashboard",
};

pub static DE: Texts = Texts {
    lang: "de",
    backoffice: "Verwaltung",
    sign_in_title: "Anmelden",
    token_label: "Ihr Organisator-Token",
    token_hint: "Der Token, den Sie von einem Admin bekommen haben, oder den `podium organiser add` ausgegeben hat.",
    sign_in: "Anmelden",
    sign_out: "Abmelden",
    wrong_token: "Mit diesem Token meldet sich niemand an. Bitte prüfen Sie ihn und versuchen Sie es erneut.",
    dashboard_title: "Übersicht",
    signed_in_as: "Angemeldet als",
    events_heading: "Ihre Veranstaltungen",
    no_events: "Noch keine Veranstaltungen.",
    event: "Veranstaltung",
    status: "Status",
    registrations: "Anmeldungen",
    checked_in: "Eingelassen",
    pitches_open: "Offene Pitches",
    exhibits_open: "Offene Ausstellungen",
    draft: "Entwurf",
    published: "veröffentlicht",
    cancelled: "abgesagt",
    forbidden_title: "Nicht erlaubt",
    forbidden_body: "Ihre Rolle erlaubt diese Seite nicht.",
    cross_site_body: "Dieses Formular kam nicht von podiums eigener Seite, deshalb wurde nichts geändert. Öffnen Sie die Seite erneut und senden Sie das Formular von dort.",
    error_title: "Etwas ist schiefgegangen",
    error_body: "Bitte versuchen Sie es gleich noch einmal.",
    back: "Zurück zur Übersicht",
};
