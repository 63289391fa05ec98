//! `/signup`.

use leptos::prelude::*;
use leptos_router::components::A;

use super::form_error::last_result;
use super::session::use_session;
use super::FormError;
use crate::api::SignUp;
use crate::i18n::use_i18n;
use crate::model::{MAX_DISPLAY_NAME_CHARS, USERNAME_CHARS};

/// The sign-up form, with inline errors (taken username, short password).
#[component]
pub fn SignUpPage() -> impl IntoView {
    let session = use_session();
    let result = last_result::<SignUp, _>(session.sign_up.value());
    let i18n = use_i18n();
    let t = move || i18n.t();
    view! {
        <section class="card narrow">
            <h1>{move || t().create_account}</h1>
            <ActionForm action=session.sign_up>
                <label>
                    {move || t().username}
                    <input
                        name="username"
                        autocomplete="username"
                        required
                        minlength=*USERNAME_CHARS.start()
                        maxlength=*USERNAME_CHARS.end()
                    />
                </label>
                <small class="field-hint">{move || t().username_hint}</small>
                <label>
                    {move || t().display_name}
                    <input
                        name="display_name"
                        autocomplete="nickname"
                        maxlength=MAX_DISPLAY_NAME_CHARS
                    />
                </label>
                <small class="field-hint">{move || t().display_name_hint}</small>
                <label>
                    {move || t().password}
                    <input name="password" type="password" autocomplete="new-password" required />
                </label>
                <small class="field-hint">{move || t().password_hint}</small>
                <FormError result />
                <button type="submit">{move || t().sign_up}</button>
            </ActionForm>
            <p class="hint">
                {move || t().have_account} " " <A href="/signin">{move || t().sign_in}</A>
            </p>
        </section>
    }
}
