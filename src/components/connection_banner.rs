//! The banner that says the connection was lost and is being restored.

use leptos::prelude::*;

use crate::client::{Chat, ConnStatus};

/// Shown while reconnecting; gone once live again.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let chat = expect_context::<Chat>();
    move || {
        (chat.status.get() == ConnStatus::Reconnecting).then(|| {
            view! {
                <div class="banner" role="status" data-testid="connection-lost">
                    "Connection lost. Reconnecting…"
                </div>
            }
        })
    }
}
