//! Message times for display. The server renders UTC; once hydrated, the browser shows the
//! reader's local time. Order never depends on these.

/// `HH:MM` of a Unix time in milliseconds, local when `local` and in a browser, else UTC.
pub fn clock(ms: i64, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        return format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    }
    let _ = local;
    let minutes = ms.div_euclid(60_000);
    format!(
        "{:02}:{:02}",
        minutes.div_euclid(60).rem_euclid(24),
        minutes.rem_euclid(60)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_clock() {
        assert_eq!(super::clock(0, false), "00:00");
        assert_eq!(
            super::clock((13 * 60 + 7) * 60_000 + 59_000, false),
            "13:07"
        );
    }
}
