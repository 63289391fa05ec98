//! Invitations waiting for the user, on the room list: accept (join and open the room) or
//! decline (nobody is told).

use leptos::prelude::*;

use crate::api::{invitations, AnswerInvitation};
use crate::i18n::{fill, use_i18n};

/// The pending invitations, if any.
#[component]
pub fn Invitations() -> impl IntoView {
    let i18n = use_i18n();
    let answer = ServerAction::<AnswerInvitation>::new();
    let pending = Resource::new(move || answer.version().get(), |_| invitations());
    view! {
        <Transition fallback=|| ()>
            {move || {
                pending
                    .get()
                    .and_then(Result::ok)
                    .filter(|list| !list.is_empty())
                    .map(|list| {
                        view! {
                            <h2>{move || i18n.t().invitations}</h2>
                            <ul class="room-list invitations" data-testid="invitations">
                                {list
                                    .into_iter()
                                    .map(|inv| {
                                        let by = inv.invited_by.clone();
                                        view! {
                                            <li class="room-row" data-room-id=inv.room_id>
                                                <span class="room-name">{inv.room_name}</span>
                                                <span class="preview">
                                                    {move || fill(i18n.t().invited_by, &[("name", &by)])}
                                                </span>
                                                <ActionForm action=answer attr:class="inline">
                                                    <input type="hidden" name="room_id" value=inv.room_id />
                                                    <input type="hidden" name="accept" value="true" />
                                                    <button type="submit">{move || i18n.t().accept}</button>
                                                </ActionForm>
                                                <ActionForm action=answer attr:class="inline">
                                                    <input type="hidden" name="room_id" value=inv.room_id />
                                                    <input type="hidden" name="accept" value="false" />
                                                    <button type="submit" class="link">
                                                        {move || i18n.t().decline}
                                                    </button>
                                                </ActionForm>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
            }}
        </Transition>
    }
}
