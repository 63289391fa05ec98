//! Components, one per file.

mod bubble;
mod composer;
mod connection_banner;
mod form_error;
mod home;
mod message_list;
mod not_found;
mod room_forms;
mod room_list;
mod room_page;
mod session;
mod sign_in;
mod sign_up;
mod top_bar;

pub use bubble::{Bubble, PendingBubble};
pub use composer::Composer;
pub use connection_banner::ConnectionBanner;
pub use form_error::FormError;
pub use home::HomePage;
pub use message_list::MessageList;
pub use not_found::NotFound;
pub use room_forms::{CreateRoomForm, DirectRoomForm};
pub use room_list::RoomList;
pub use room_page::RoomPage;
pub use session::Session;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use top_bar::TopBar;
