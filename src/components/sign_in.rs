//! `/signin`.

use leptos::prelude::*;
use leptos_router::components::A;

use super::form_error::last_result;
use super::session::use_session;
use super::FormError;
use crate::api::SignIn;
use crate::i18n::use_i18n;

/// The sign-in form, with inline errors (wrong password, too many attempts).
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    let result = last_result::<SignIn, _>(session.sign_in.value());
    let i18n = use_i18n();
    let t = move || i18n.t();
    view! {
        <section class="card narrow">
            <h1>{move || t().sign_in}</h1>
            <ActionForm action=session.sign_in>
                <label>
                    {move || t().username}
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    {move || t().password}
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </label>
                <FormError result />
                <button type="submit">{move || t().sign_in}</button>
            </ActionForm>
            <p class="hint">
                {move || t().new_here} " " <A href="/signup">{move || t().create_account}</A>
            </p>
        </section>
    }
}
