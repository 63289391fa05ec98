//! Facts about the browser page that shared code asks for. On the server there is no page:
//! the answers are neutral.

/// Milliseconds since the Unix epoch, browser clock.
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// Whether the page is visible (not a background tab, not minimised).
pub fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    return leptos::prelude::document().visibility_state() == web_sys::VisibilityState::Visible;
    #[cfg(not(feature = "hydrate"))]
    false
}
