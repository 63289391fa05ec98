//! `/signup`.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;
use super::FormError;

/// The sign-up form, with inline errors (taken username, short password).
#[component]
pub fn SignUpPage() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="card narrow">
            <h1>"Create an account"</h1>
            <ActionForm action=session.sign_up>
                <label>
                    "Username"
                    <input
                        name="username"
                        autocomplete="username"
                        required
                        minlength="3"
                        maxlength="32"
                    />
                </label>
                <small class="field-hint">"3–32 characters: letters, digits, '.', '_' or '-'."</small>
                <label>
                    "Display name" <input name="display_name" autocomplete="nickname" />
                </label>
                <small class="field-hint">"Any script, e.g. 김민수. Defaults to the username."</small>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="new-password" required />
                </label>
                <small class="field-hint">"At least 8 characters."</small>
                <FormError result=session.sign_up.value() />
                <button type="submit">"Sign up"</button>
            </ActionForm>
            <p class="hint">"Have an account? " <A href="/signin">"Sign in"</A></p>
        </section>
    }
}
