//! Browser notifications for mentions while the tab is hidden. Permission is asked only
//! from a click (`ask`), never on load.

/// The notification permission: "granted", "denied", "default" or "unsupported".
#[cfg(feature = "hydrate")]
pub fn permission() -> String {
    use web_sys::NotificationPermission;
    if !supported() {
        return "unsupported".into();
    }
    match web_sys::Notification::permission() {
        NotificationPermission::Granted => "granted",
        NotificationPermission::Denied => "denied",
        _ => "default",
    }
    .into()
}

/// Asks for permission; call only from a user's click. `done` gets the new permission.
#[cfg(feature = "hydrate")]
pub fn ask(done: impl FnOnce(String) + 'static) {
    if !supported() {
        return;
    }
    let Ok(promise) = web_sys::Notification::request_permission() else {
        return;
    };
    leptos::task::spawn_local(async move {
        // The answer is read back through `permission()`, whatever the promise resolved to.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        done(permission());
    });
}

/// Shows a notification for a mention, when the tab is hidden and permission is granted.
#[cfg(feature = "hydrate")]
pub fn mention(sender: &str, body: &str) {
    let hidden = leptos::prelude::document().visibility_state() == web_sys::VisibilityState::Hidden;
    if hidden && permission() == "granted" {
        let options = web_sys::NotificationOptions::new();
        options.set_body(body);
        let _ = web_sys::Notification::new_with_options(sender, &options);
    }
}

#[cfg(feature = "hydrate")]
fn supported() -> bool {
    js_sys::Reflect::has(&leptos::prelude::window(), &"Notification".into()).unwrap_or(false)
}

/// On the server there are no notifications.
#[cfg(not(feature = "hydrate"))]
pub fn permission() -> String {
    "unsupported".into()
}

/// On the server there are no notifications.
#[cfg(not(feature = "hydrate"))]
pub fn ask(_done: impl FnOnce(String) + 'static) {}
