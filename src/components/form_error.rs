//! The inline error under a form, from its action's last result.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::use_i18n;

/// Shows the error of the action's last attempt, if it failed.
#[component]
pub fn FormError<T, R>(result: R) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
{
    let i18n = use_i18n();
    move || {
        result.get().and_then(Result::err).map(|e| {
            view! { <p class="form-error" role="alert">{i18n.t().api_error(&e)}</p> }
        })
    }
}
