//! An initial-letter avatar: the first letter of the display name on a colour chosen by the
//! user id, so that a person keeps one colour everywhere. The colours are the stylesheet's
//! `.avatar.c0` … `.avatar.c7` (a class, not a `style` attribute, which the pages' CSP
//! refuses in server-rendered HTML); each carries white text at 4.5:1 or more (WCAG AA for
//! small text; the test below reads them from the stylesheet).

use leptos::prelude::*;

use crate::protocol::UserId;

/// How many avatar colours the stylesheet has.
const COLOURS: i64 = 8;

/// The class of a user's avatar colour.
fn colour(user_id: UserId) -> String {
    format!("avatar c{}", user_id.rem_euclid(COLOURS))
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
        <span class=colour(user_id) aria-hidden="true">
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
            let byte = hex
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
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
        let css = include_str!("../../style/main.css");
        for n in 0..COLOURS {
            let rule = format!(".avatar.c{n} {{ background: ");
            let at = css.find(&rule).map(|i| i + rule.len());
            let hex = at.and_then(|i| css.get(i..i + 7)).unwrap_or("#ffffff");
            let ratio = 1.05 / (luminance(hex) + 0.05);
            assert!(ratio >= 4.5, "{hex}: {ratio:.2}:1");
        }
        assert_eq!(initial("minsu"), "M");
        assert_eq!(initial("김민수"), "김");
        assert_eq!(colour(-3), colour(5));
        assert_eq!(colour(9), "avatar c1");
    }
}
