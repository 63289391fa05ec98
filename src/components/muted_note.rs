//! Above the composer of a member a moderator muted: the reason and the time left, counted
//! down each second; when it runs out the note goes and the composer opens again. The mute
//! comes from the page, from the room's `moderation` row, or from a `muted` refusal.

use std::time::Duration;

use leptos::leptos_dom::helpers::IntervalHandle;
use leptos::prelude::*;

use crate::client::browser::now_ms;
use crate::i18n::{fill, use_i18n};
use crate::model::Mute;

#[component]
pub fn MutedNote(muted: ArcRwSignal<Option<Mute>>) -> impl IntoView {
    let i18n = use_i18n();
    // The browser's clock, each second while a mute runs; none on the server.
    let now = RwSignal::new(None::<i64>);
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(handle) = ticker.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    {
        let muted = muted.clone();
        Effect::new(move |_| {
            if muted.with(Option::is_none) {
                stop();
                return;
            }
            now.set(Some(now_ms() as i64));
            if ticker.with_value(Option::is_none) {
                let tick = move || now.set(Some(now_ms() as i64));
                if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(1)) {
                    ticker.set_value(Some(handle));
                }
            }
        });
    }
    // The mute is over: the composer opens.
    {
        let muted = muted.clone();
        Effect::new(move |_| {
            let (Some(now), Some(until)) = (now.get(), muted.with(|m| m.as_ref().map(|m| m.until)))
            else {
                return;
            };
            if now >= until {
                muted.set(None);
            }
        });
    }
    on_cleanup(stop);
    let text = move || {
        let mute = muted.get()?;
        let left_ms = (mute.until - now.get().unwrap_or(mute.until)).max(0);
        let t = i18n.t();
        let left = time_left(left_ms);
        Some(if mute.reason.is_empty() {
            fill(t.muted_for, &[("left", &left)])
        } else {
            fill(
                t.muted_because,
                &[("left", &left), ("reason", &mute.reason)],
            )
        })
    };
    view! {
        <p class="muted-note" role="status" data-testid="muted-note" dir="auto">
            {text}
        </p>
    }
}

/// `1:05` under an hour, `3 h 12 min` from an hour, `2 d 4 h` from a day.
fn time_left(ms: i64) -> String {
    let secs = (ms + 999) / 1000;
    let (days, hours, mins) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else {
        format!("{mins}:{:02}", secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::time_left;

    #[test]
    fn the_time_left_reads_at_a_glance() {
        assert_eq!(time_left(65_000), "1:05");
        assert_eq!(time_left(500), "0:01");
        assert_eq!(time_left(3_600_000 + 12 * 60_000), "1 h 12 min");
        assert_eq!(time_left(2 * 86_400_000 + 4 * 3_600_000), "2 d 4 h");
    }
}
