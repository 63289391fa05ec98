//! An initial-letter avatar: the first letter of the display name on a colour chosen by the
//! user id, so that a person keeps one colour everywhere. Every colour carries white text
//! at 4.5:1 or more (WCAG AA for small text; checked by the test below).

use leptos::prelude::*;

use crate::protocol::UserId;

/// Background colours, as `#rrggbb`.
const PALETTE: [&str; 8] = [
    "#1f5fbf", "#0b6e4f", "#8a3ffc", "#b3261e", "#8c5000", "#00677f", "#a8327a", "#4d5b7c",
];

/// The colour of a user's avatar.
fn colour(user_id: UserId) -> &'static str {
    PALETTE[user_id.rem_euclid(PALETTE.len() as i64) as usize]
}

/// The letter shown: the name's first character, upper-cased where that means something.
fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

/// The avatar of one person; decorative (the name is beside it), so hidden from readers.
#[component]
pub fn Avatar(user_id: UserId, name: String) -> impl IntoView {
    view! {
        <span class="avatar" aria-hidden="true" style:background-color=colour(user_id)>
            {initial(&name)}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 relative luminance of `#rrggbb` (read as white when malformed, which then fails).
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let byte = hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
            let c = f64::from(byte.unwrap_or(255)) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn white_letters_meet_aa_on_every_colour() {
        for hex in PALETTE {
            let ratio = 1.05 / (luminance(hex) + 0.05);
            assert!(ratio >= 4.5, "{hex}: {ratio:.2}:1");
        }
        assert_eq!(initial("minsu"), "M");
        assert_eq!(initial("김민수"), "김");
        assert_eq!(colour(-3), colour(5));
    }
}
