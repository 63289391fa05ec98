//! `/signin`.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;
use super::FormError;

/// The sign-in form, with inline errors (wrong password, too many attempts).
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=session.sign_in>
                <label>
                    "Username"
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </label>
                <FormError result=session.sign_in.value() />
                <button type="submit">"Sign in"</button>
            </ActionForm>
            <p class="hint">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
