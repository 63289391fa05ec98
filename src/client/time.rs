//! Message times for display. The server renders UTC `HH:MM`; once hydrated, the browser
//! shows the reader's local time in their language's format. Order never depends on these.

use crate::i18n::Lang;

/// The time of day of a Unix time in milliseconds: local and in `lang`'s format when
/// `local` and in a browser, else UTC `HH:MM`.
pub fn clock(ms: i64, local: bool, lang: Lang) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        let options = js_sys::Object::new();
        let two = wasm_bindgen::JsValue::from_str("2-digit");
        let _ = js_sys::Reflect::set(&options, &"hour".into(), &two);
        let _ = js_sys::Reflect::set(&options, &"minute".into(), &two);
        return date
            .to_locale_time_string_with_options(lang.code(), &options)
            .into();
    }
    let _ = (local, lang);
    let minutes = ms.div_euclid(60_000);
    format!(
        "{:02}:{:02}",
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;

    #[test]
    fn utc_clock() {
        assert_eq!(super::clock(0, false, Lang::En), "00:00");
        assert_eq!(
            super::clock((13 * 60 + 7) * 60_000 + 59_000, false, Lang::Ko),
            "13:07"
        );
    }
}
