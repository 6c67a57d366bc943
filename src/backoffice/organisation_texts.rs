//! The words of the organisation page, in English and German.
use entity::registration::Language;

/// Every text of the organisation page, in one language.
pub struct OrganisationTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub name: &'static str,
    pub name_hint: &'static str,
    pub contact: &'static str,
    pub contact_hint: &'static str,
    pub accent_colour: &'static str,
    pub accent_hint: &'static str,
    pub imprint_url: &'static str,
    pub privacy_url: &'static str,
    pub links_hint: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub logo_heading: &'static str,
    pub logo: &'static str,
    pub logo_hint: &'static str,
    pub logo_current: &'static str,
    pub logo_none: &'static str,
    pub upload: &'static str,
    pub remove_logo: &'static str,
    pub logo_saved: &'static str,
    pub logo_removed: &'static str,
    pub logo_wrong: &'static str,
    pub logo_too_large: &'static str,
    pub errors_heading: &'static str,
}

impl OrganisationTexts {
    pub fn of(lang: Language) -> &'static OrganisationTexts {
        match lang {
            Language::De => &DE,
            Language::En => &EN,
        }
    }
}

pub static EN: OrganisationTexts = OrganisationTexts {
    title: "Organisation",
    intro: "What every public page and every mail shows of you: your name instead of “podium”, your logo and colour, and the links a German website must have.",
    name: "Name of the organisation",
    name_hint: "Shown at the top of every public page and as the sender's name of new events.",
    contact: "Contact address",
    contact_hint: "Replies to podium's mails go here when an event names no contact of its own; new events take it as their contact.",
    accent_colour: "Accent colour",
    accent_hint: "Links and buttons, written #rrggbb (e.g. #0b5cad). It must be dark enough to read on white (contrast 4.5:1); empty: podium's blue.",
    imprint_url: "Imprint (Impressum), web address",
    privacy_url: "Privacy policy, web address",
    links_hint: "Every public page links both in its footer; the registration form links the privacy policy beside the consent.",
    save: "Save",
    saved: "Saved. The public pages show it now.",
    logo_heading: "Logo",
    logo: "Logo file (PNG or SVG, at most 256 KiB)",
    logo_hint: "Shown beside the name at the top of every public page, at most 2.5 rem high.",
    logo_current: "The current logo",
    logo_none: "No logo yet: the pages show the name alone.",
    upload: "Upload logo",
    remove_logo: "Remove logo",
    logo_saved: "The new logo is saved.",
    logo_removed: "The logo is removed.",
    logo_wrong: "This file is not a PNG or an SVG. Choose a PNG or SVG file.",
    logo_too_large: "This file is larger than 256 KiB. Choose a smaller one.",
    errors_heading: "Please correct the following",
};

pub static DE: OrganisationTexts = OrganisationTexts {
    title: "Organisation",
    intro: "Was jede öffentliche Seite und jede E-Mail von Ihnen zeigt: Ihren Namen statt „podium“, Ihr Logo und Ihre Farbe, und die Links, die eine deutsche Website haben muss.",
    name: "Name der Organisation",
    name_hint: "Steht oben auf jeder öffentlichen Seite und als Absendername neuer Veranstaltungen.",
    contact: "Kontaktadresse",
    contact_hint: "Antworten auf podiums E-Mails gehen hierhin, wenn eine Veranstaltung keinen eigenen Kontakt nennt; neue Veranstaltungen übernehmen sie als Kontakt.",
    accent_colour: "Akzentfarbe",
    accent_hint: "Links und Schaltflächen, geschrieben #rrggbb (z. B. #0b5cad). Sie muss auf Weiß gut lesbar sein (Kontrast 4,5:1); leer: podiums Blau.",
    imprint_url: "Impressum, Webadresse",
    privacy_url: "Datenschutzerklärung, Webadresse",
    links_hint: "Jede öffentliche Seite verlinkt beide in der Fußzeile; das Anmeldeformular verlinkt die Datenschutzerklärung bei der Einwilligung.",
    save: "Speichern",
    saved: "Gespeichert. Die öffentlichen Seiten zeigen es jetzt.",
    logo_heading: "Logo",
    logo: "Logo-Datei (PNG oder SVG, höchstens 256 KiB)",
    logo_hint: "Steht neben dem Namen oben auf jeder öffentlichen Seite, höchstens 2,5 rem hoch.",
    logo_current: "Das aktuelle Logo",
    logo_none: "Noch kein Logo: Die Seiten zeigen nur den Namen.",
    upload: "Logo hochladen",
    remove_logo: "Logo entfernen",
    logo_saved: "Das neue Logo ist gespeichert.",
    logo_removed: "Das Logo ist entfernt.",
    logo_wrong: "Diese Datei ist kein PNG und kein SVG. Bitte wählen Sie eine PNG- oder SVG-Datei.",
    logo_too_large: "Diese Datei ist größer als 256 KiB. Bitte wählen Sie eine kleinere.",
    errors_heading: "Bitte korrigieren Sie",
};
