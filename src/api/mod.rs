//! Server functions: the HTTP API the pages call (`POST /api/<name>`, form-encoded
//! arguments, JSON answers). Each body runs on the server only; the browser gets a stub that
//! makes the request. Mutations are POST and pass the CSRF guard in `server::http`.

mod accounts;
mod consent;
mod embed;
mod moderation;
mod rooms;
mod search;

pub use crate::error::ApiError;
pub use accounts::*;
pub use consent::*;
pub use embed::*;
pub use moderation::*;
pub use rooms::*;
pub use search::*;
