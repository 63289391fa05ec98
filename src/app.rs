//! The HTML shell, `<App/>` and its routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use leptos_router::SsrMode;

use crate::client::{Chat, Hydrated};
use crate::components::{
    ConnectionBanner, EmbedPage, HomePage, NotFound, RoomPage, SearchPage, Session, SignInPage,
    SignUpPage, TopBar,
};
use crate::i18n::{self, I18n};

/// The document around `<App/>`, rendered on the server in the reader's language. The
/// server sets its security headers around it (`server::http`); the shell knows nothing of
/// the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::initial();
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                <title>"Parlor"</title>
                <AutoReload options=options.clone() />
                <HydrateAfterPaint options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads the WASM and hydrates the page once the server's HTML has painted, instead of
/// Leptos's `<HydrationScripts>`, whose preload hints start the 350 KB download while the
/// HTML and the stylesheet are still on their way: on a slow phone link the text appears
/// first, and the forms work before hydration (they are plain forms). A page that paints no
/// frame (opened in a background tab, or an embed's hidden frame) starts at once, or after
/// 2 s at the latest, so its notifications and unread counts still come. The one inline
/// script carries the page's CSP nonce.
#[component]
fn HydrateAfterPaint(options: LeptosOptions) -> impl IntoView {
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let script = format!(
        "let started = false; \
         const go = () => {{ if (started) return; started = true; \
           import({js:?}).then((m) => m.default({{ module_or_path: {wasm:?} }}).then(() => m.hydrate())); }}; \
         if (document.visibilityState === \"hidden\") go(); \
         else {{ requestAnimationFrame(() => setTimeout(go, 0)); setTimeout(go, 2000); }}",
        js = format!("{pkg}.js"),
        wasm = format!("{pkg}.wasm"),
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}

/// Moves the keyboard's focus to `<main>`, as the skip link's fragment does without script.
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    use leptos::wasm_bindgen::JsCast;
    ev.prevent_default();
    if let Some(main) = document()
        .get_element_by_id("main")
        .and_then(|m| m.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = main.focus();
    }
}

/// The application: session, chat client, and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(i18n::initial());
    let i18n = I18n(lang);
    provide_context(i18n);
    let session = Session::provide();
    let chat = Chat::new();
    provide_context(chat);
    let (hydrated, set_hydrated) = signal(false);
    provide_context(Hydrated(hydrated));
    // Effects run only in the browser: this is where the WASM takes over.
    Effect::new(move |_| set_hydrated.set(true));
    // An embed connects with its own session (`EmbedPage`), never the cookie's.
    Effect::new(move |_| {
        let embedded = window()
            .location()
            .pathname()
            .is_ok_and(|p| p.starts_with("/embed/"));
        if let Some(me) = session.me().filter(|_| !embedded) {
            chat.connect(me);
        }
    });
    // The page title carries the unread total, the same in every tab.
    Effect::new(move |_| {
        let unread = chat.total_unread();
        let title = if unread > 0 {
            format!("({unread}) Parlor")
        } else {
            "Parlor".to_owned()
        };
        document().set_title(&title);
    });
    // Every page is rendered whole on the server before it is sent (`SsrMode::Async`): its
    // data is in the HTML itself, not in streamed chunks that only script can place, so a
    // page reads the same with JavaScript off (the `no-js` Playwright project).
    view! {
        <Router>
            <div class="app" data-hydrated=move || hydrated.get().to_string()>
                // The router would take the fragment for a navigation: the focus moves here.
                <a class="skip-link" href="#main" on:click=skip_to_main>
                    {move || i18n.t().skip_to_content}
                </a>
                <TopBar />
                <ConnectionBanner />
                <main id="main" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                        <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                        <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async />
                        <Route path=path!("/rooms/:id") view=RoomPage ssr=SsrMode::Async />
                        <Route path=path!("/search") view=SearchPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/embed/rooms/:key")
                            view=EmbedPage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
