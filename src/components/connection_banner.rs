//! The banner that says the connection was lost and is being restored.

use leptos::prelude::*;

use crate::client::{Chat, ConnStatus};
use crate::i18n::use_i18n;

/// Shown while reconnecting; gone once live again.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    move || {
        (chat.status.get() == ConnStatus::Reconnecting).then(|| {
            view! {
                <div class="banner" role="status" data-testid="connection-lost">
                    {move || i18n.t().connection_lost}
                </div>
            }
        })
    }
}
