//! The inline error under a form, from its action's last result, or, after a plain form
//! (no script) was refused, from the `__err` the server put in the URL it redirected to.

use leptos::prelude::*;
use leptos::server::ServerActionError;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;

use crate::api::ApiError;
use crate::i18n::use_i18n;

/// The last result of the action of server function `S`: the one this page dispatched, else
/// the refusal of a plain form post that redirected here. The router reads `__err` only for
/// the actions made inside its routes, and the session's are made above them.
pub fn last_result<S, T>(
    value: impl Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
) -> Signal<Option<Result<T, ApiError>>>
where
    S: ServerFn,
    T: Clone + Send + Sync + 'static,
{
    let plain = use_context::<ServerActionError>()
        .filter(|e| e.path() == S::PATH)
        .map(|e| ServerFnUrlError::<ApiError>::decode_err(e.err()));
    Signal::derive(move || value.get().or_else(|| plain.clone().map(Err)))
}

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
