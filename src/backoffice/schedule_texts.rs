//! The words of the schedule editor, in English and German.
use entity::registration::Language;

/// Every text of the schedule editor, in one language.
pub struct Say {
    pub title: &'static str,
    pub draft_note: &'static str,
    pub released_as: &'static str,
    pub never_released: &'static str,
    pub no_slots: &'static str,
    pub open: &'static str,
    pub place: &'static str,
    pub pitch_label: &'static str,
    pub unplace: &'static str,
    pub unplaced: &'static str,
    pub none_unplaced: &'static str,
    pub minutes: &'static str,
    pub not_possible: &'static str,
    pub changes: &'static str,
    pub no_changes: &'static str,
    pub placed: &'static str,
    pub moved: &'static str,
    pub removed: &'static str,
    pub slot_added: &'static str,
    pub slot_changed: &'static str,
    pub slot_removed: &'static str,
    pub mailed: &'static str,
    pub release: &'static str,
    pub note: &'static str,
    pub release_hint: &'static str,
    pub done_placed: &'static str,
    pub done_unplaced: &'static str,
    pub done_moved: &'static str,
    pub move_slot: &'static str,
    pub stage: &'static str,
    pub starts: &'static str,
    pub ends: &'static str,
    pub done_released: &'static str,
    pub link: &'static str,
}

const EN: Say = Say {
    title: "Schedule",
    draft_note: "Changes here make a draft: the public programme, the feeds and the presenters see them once you release.",
    released_as: "The public programme is release",
    never_released: "Not released yet: the public programme is empty.",
    no_slots: "No slots yet.",
    open: "open",
    place: "Place",
    pitch_label: "Pitch for this slot",
    unplace: "Unplace",
    unplaced: "Accepted, not placed",
    none_unplaced: "Every accepted pitch has a slot.",
    minutes: "min",
    not_possible: "Not possible",
    changes: "Changes since the last release",
    no_changes: "No changes since the last release.",
    placed: "placed",
    moved: "moved",
    removed: "no longer scheduled",
    slot_added: "new open slot",
    slot_changed: "open slot changed",
    slot_removed: "open slot removed",
    mailed: "presenter is mailed",
    release: "Release",
    note: "Note (optional)",
    release_hint: "Each presenter whose slot changed gets one mail with a calendar entry.",
    done_placed: "Placed in the draft.",
    done_unplaced: "Unplaced in the draft.",
    done_moved: "Moved in the draft.",
    move_slot: "Move",
    stage: "Stage",
    starts: "Starts",
    ends: "Ends",
    done_released: "Released.",
    link: "Schedule editor",
};

const DE: Say = Say {
    title: "Programm",
    draft_note: "Änderungen hier ergeben einen Entwurf: Das öffentliche Programm, die Kalender und die Vortragenden sehen sie erst nach der Freigabe.",
    released_as: "Das öffentliche Programm ist Freigabe",
    never_released: "Noch nicht freigegeben: Das öffentliche Programm ist leer.",
    no_slots: "Noch keine Slots.",
    open: "frei",
    place: "Einplanen",
    pitch_label: "Pitch für diesen Slot",
    unplace: "Herausnehmen",
    unplaced: "Angenommen, nicht eingeplant",
    none_unplaced: "Jeder angenommene Pitch hat einen Slot.",
    minutes: "Min.",
    not_possible: "Nicht möglich",
    changes: "Änderungen seit der letzten Freigabe",
    no_changes: "Keine Änderungen seit der letzten Freigabe.",
    placed: "eingeplant",
    moved: "verschoben",
    removed: "nicht mehr im Programm",
    slot_added: "neuer freier Slot",
    slot_changed: "freier Slot geändert",
    slot_removed: "freier Slot entfernt",
    mailed: "Vortragende erhalten eine Mail",
    release: "Freigeben",
    note: "Notiz (optional)",
    release_hint: "Alle Vortragenden, deren Slot sich geändert hat, erhalten eine Mail mit Kalendereintrag.",
    done_placed: "Im Entwurf eingeplant.",
    done_unplaced: "Im Entwurf herausgenommen.",
    done_moved: "Im Entwurf verschoben.",
    move_slot: "Verschieben",
    stage: "Bühne",
    starts: "Beginn",
    ends: "Ende",
    done_released: "Freigegeben.",
    link: "Programm bearbeiten",
};

impl Say {
    pub fn of(lang: Language) -> &'static Say {
        match lang {
            Language::De => &DE,
            Language::En => &EN,
        }
    }

    /// By the page's language code (`de` or `en`), for templates of other pages.
    pub fn of_code(lang: &str) -> &'static Say {
        Self::of(if lang == "de" {
            Language::De
        } else {
            Language::En
        })
    }
}
