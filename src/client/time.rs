//! Message times and days for display. The server renders UTC; once hydrated, the browser
//! shows the reader's local time and day in their language's format. Order never depends
//! on these.

use crate::i18n::Lang;

const DAY_MS: i64 = 86_400_000;

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

/// The day of a Unix time in milliseconds, as days since the epoch: in the reader's zone
/// when `local` and in a browser, else in UTC.
pub fn day(ms: i64, local: bool) -> i64 {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        // Minutes from local time to UTC, for that instant (daylight saving included).
        let offset = date.get_timezone_offset() as i64;
        return (ms - offset * 60_000).div_euclid(DAY_MS);
    }
    let _ = local;
    ms.div_euclid(DAY_MS)
}

/// A day separator's text for the day that begins at the message of `at`: "Today" and
/// "Yesterday" in a browser, else the date in `lang`'s format ("December 2, 2026",
/// "2026년 12월 2일").
pub fn day_label(at: i64, local: bool, lang: Lang) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let today = day(js_sys::Date::now() as i64, true);
        let texts = lang.texts();
        match today - day(at, true) {
            0 => return texts.today.to_owned(),
            1 => return texts.yesterday.to_owned(),
            _ => {}
        }
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
        let options = js_sys::Object::new();
        for (key, value) in [("year", "numeric"), ("month", "long"), ("day", "numeric")] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        return date.to_locale_date_string(lang.code(), &options).into();
    }
    let _ = local;
    let (year, month, date) = civil(day(at, false));
    match lang {
        Lang::En => format!("{} {date}, {year}", MONTHS[month as usize - 1]),
        Lang::Ko => format!("{year}년 {month}월 {date}일"),
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The proleptic Gregorian date (year, month 1–12, day 1–31) of a day since the epoch
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let date = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, date)
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

    #[test]
    fn utc_days_and_dates() {
        assert_eq!(super::day(0, false), 0);
        assert_eq!(super::day(-1, false), -1);
        assert_eq!(super::civil(0), (1970, 1, 1));
        assert_eq!(super::civil(11_016), (2000, 2, 29));
        // 2026-12-02 00:00 UTC, and a millisecond before it.
        let at = 1_796_169_600_000;
        assert_eq!(super::day_label(at, false, Lang::En), "December 2, 2026");
        assert_eq!(super::day_label(at, false, Lang::Ko), "2026년 12월 2일");
        assert_eq!(
            super::day_label(at - 1, false, Lang::En),
            "December 1, 2026"
        );
    }
}
