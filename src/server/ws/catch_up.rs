//! `watch`: subscribe first, then replay what [`crate::server::resume`] decided, then
//! `caught_up`; and the checks and resets around it.

use std::collections::HashSet;

use axum::extract::ws::Message as WsMessage;

use super::connection::Connection;
use super::sink::{send, send_error, Sink};
use super::Gone;
use crate::protocol::{ErrorCode, ResetReason, RoomCursor, RoomId, ServerFrame};
use crate::server::hub::serialise;
use crate::server::resume::{self, CatchUp};

impl Connection {
    /// A `watch` names each room once, and leaves the socket watching at most
    /// `max_watch_rooms`; checked before anything is queried.
    pub(super) fn check_watch(
        &self,
        rooms: &[RoomCursor],
    ) -> Result<(), (ErrorCode, &'static str)> {
        let mut named = HashSet::with_capacity(rooms.len());
        if !rooms.iter().all(|c| named.insert(c.room_id)) {
            return Err((ErrorCode::BadFrame, "a watch frame names a room twice"));
        }
        let max = self.state.config.max_watch_rooms;
        let ids: Vec<RoomId> = rooms.iter().map(|c| c.room_id).collect();
        let (watched, added) = self.state.hub.watch_counts(self.reg.id, &ids);
        if rooms.len() > max || watched + added > max {
            return Err((
                ErrorCode::TooManyRooms,
                "more rooms than max_watch_rooms on one socket",
            ));
        }
        Ok(())
    }

    /// Stops watching a room on this socket.
    pub(super) fn forget(&mut self, room: RoomId) {
        self.state.hub.unwatch(self.reg.id, room);
        self.sent.remove(&room);
        self.direct.remove(&room);
        self.reads.unwatched(room);
    }

    /// Subscribes first, then sends what the cursor missed, then `caught_up`.
    pub(super) async fn watch(
        &mut self,
        sink: &mut Sink,
        cursor: RoomCursor,
        same_epoch: bool,
    ) -> Result<(), Gone> {
        let RoomCursor { room_id, after_seq } = cursor;
        self.state.hub.watch(self.reg.id, room_id);
        self.sent.insert(room_id, after_seq);
        // With several nodes: the bus delivers this room from where the store stands now,
        // which the catch-up below reads past.
        if let Err(e) = self.state.bus.track(room_id).await {
            return self.store_failed(sink, room_id, &e).await;
        }
        let store = &self.state.store;
        let limit = self.state.config.resume_limit;
        let decided = resume::catch_up(store, self.user.user_id, cursor, same_epoch, limit).await;
        let (missed, read) = match decided {
            Ok(CatchUp::Replay { missed, read }) => (missed, read),
            Ok(CatchUp::NotMember) => {
                self.forget(room_id);
                let detail = "not a member of this room";
                return send_error(sink, ErrorCode::NotMember, detail, None, Some(room_id)).await;
            }
            Ok(CatchUp::Reset(reason)) => {
                self.forget(room_id);
                return send(sink, &self.reset(room_id, reason)).await;
            }
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        };
        let last_seq = missed.last().map_or(after_seq, |m| m.seq);
        self.state.metrics.messages_out.inc_by(missed.len() as u64);
        // The whole replay has the socket's deadline, not only each write: a client that
        // reads a trickle cannot hold the socket through a long catch-up.
        let deadline = sink.deadline;
        let replay = async {
            for message in missed {
                let frame = serialise(&ServerFrame::Message(message));
                sink.feed(WsMessage::Text(frame)).await?;
            }
            Ok::<(), Gone>(())
        };
        tokio::time::timeout(deadline, replay)
            .await
            .map_err(|_| Gone)??;
        self.sent.insert(room_id, last_seq);
        self.reads.watched(room_id, read.mine);
        if read.peer.is_some() {
            self.direct.insert(room_id);
        }
        let caught_up = ServerFrame::CaughtUp {
            room_id,
            last_seq,
            read_seq: read.mine,
            peer_read_seq: read.peer,
        };
        send(sink, &caught_up).await
    }

    /// A `reset` frame, counted in the metrics.
    pub(super) fn reset(&self, room_id: RoomId, reason: ResetReason) -> ServerFrame {
        self.state.metrics.reset(reason);
        ServerFrame::Reset { room_id, reason }
    }

    pub(super) async fn store_failed(
        &mut self,
        sink: &mut Sink,
        room: RoomId,
        e: &crate::server::store::StoreError,
    ) -> Result<(), Gone> {
        tracing::error!(error = %e, room, "watch failed");
        self.forget(room);
        let detail = "the store is unavailable; watch again later";
        send_error(sink, ErrorCode::StoreUnavailable, detail, None, Some(room)).await
    }
}
