//! Resume: what a connection watching a room from a cursor must be sent. No socket here:
//! the store's answers, turned into one decision, so that `ws` only writes it and tests can
//! check it without a connection.
//!
//! The caller subscribes to the room in the hub *before* asking, so that nothing stored
//! between the replay's query and the live stream falls between them; the connection then
//! drops live frames whose `seq` the replay already carried.

use super::store::{ReadState, Store, StoreError};
use crate::protocol::{Message, ResetReason, RoomCursor, UserId};

/// What a `watch` of one room leads to.
#[derive(Debug, PartialEq, Eq)]
pub enum CatchUp {
    /// The user is not (or no longer) a member: nothing is sent but the error.
    NotMember,
    /// The cursor cannot be resumed: the client must reload the room.
    Reset(ResetReason),
    /// Everything after the cursor, in `seq` order, then the read positions.
    Replay {
        missed: Vec<Message>,
        read: ReadState,
    },
}

/// Decides the catch-up of `user` in `cursor`'s room. `same_epoch` is whether the client's
/// cursors come from this database; `limit` is `resume_limit`, the most messages replayed.
///
/// The order of the checks is the contract of `docs/protocol.md`: membership first (a
/// non-member learns nothing about the room), then the epoch, then a cursor ahead of the
/// room, then a gap over `limit`.
pub async fn catch_up(
    store: &Store,
    user: UserId,
    cursor: RoomCursor,
    same_epoch: bool,
    limit: i64,
) -> Result<CatchUp, StoreError> {
    let RoomCursor { room_id, after_seq } = cursor;
    if !store.is_member(room_id, user).await? {
        return Ok(CatchUp::NotMember);
    }
    if !same_epoch && after_seq > 0 {
        return Ok(CatchUp::Reset(ResetReason::EpochChanged));
    }
    let last = store.last_seq(room_id).await?;
    if after_seq > last {
        return Ok(CatchUp::Reset(ResetReason::AheadOfRoom));
    }
    if last.saturating_sub(after_seq) > limit {
        return Ok(CatchUp::Reset(ResetReason::GapTooLarge));
    }
    let missed = store.after(room_id, after_seq, limit).await?;
    let read = store.read_state(room_id, user).await?;
    Ok(CatchUp::Replay { missed, read })
}
