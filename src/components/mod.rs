//! Components, one per file.

mod bubble;
mod composer;
mod connection_banner;
mod form_error;
mod home;
mod language_switch;
mod message_list;
mod not_found;
mod notify_button;
mod room_forms;
mod room_list;
mod room_page;
mod session;
mod sign_in;
mod sign_up;
mod top_bar;
mod typing_line;

pub use bubble::{Bubble, PendingBubble};
pub use composer::Composer;
pub use connection_banner::ConnectionBanner;
pub use form_error::FormError;
pub use home::HomePage;
pub use language_switch::LanguageSwitch;
pub use message_list::MessageList;
pub use not_found::NotFound;
pub use notify_button::NotifyButton;
pub use room_forms::{CreateRoomForm, DirectRoomForm};
pub use room_list::RoomList;
pub use room_page::RoomPage;
pub use session::Session;
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;
pub use top_bar::TopBar;
pub use typing_line::TypingLine;
