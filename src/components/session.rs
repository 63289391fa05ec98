//! The session as the pages know it: the sign-in, sign-up and sign-out actions, and the
//! signed-in user, refetched whenever one of those actions completes.

use leptos::prelude::*;

use crate::api::{current_user, ApiError, SignIn, SignOut, SignUp};
use crate::model::Me;

/// Provided as context by `<App/>`; `Copy`.
#[derive(Clone, Copy)]
pub struct Session {
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub user: Resource<Result<Option<Me>, ApiError>>,
}

impl Session {
    /// Creates the session state and provides it as context.
    pub fn provide() -> Session {
        let sign_in = ServerAction::<SignIn>::new();
        let sign_up = ServerAction::<SignUp>::new();
        let sign_out = ServerAction::<SignOut>::new();
        let user = Resource::new(
            move || {
                (
                    sign_in.version().get(),
                    sign_up.version().get(),
                    sign_out.version().get(),
                )
            },
            |_| current_user(),
        );
        let session = Session {
            sign_in,
            sign_up,
            sign_out,
            user,
        };
        provide_context(session);
        session
    }

    /// The signed-in user, once known.
    pub fn me(&self) -> Option<Me> {
        self.user.get().and_then(Result::ok).flatten()
    }
}

/// The session from context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
