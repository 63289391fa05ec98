//! Reports inside the batch write: one per member per message, counted in the transaction,
//! and the report that brings a message to its threshold hides it (docs/moderation.md).

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::webhooks::{enqueue, Event};
use super::super::{json_param, Backend, Store, StoreError};
use super::{Action, SendRequest};
use crate::protocol::{ModAction, ModEvent, RoomId, Seq, UserId, REPORTS_REASON};

/// What becomes of one report.
pub(super) enum Counted {
    /// The message's open reports now number this many.
    Open(i64),
    /// This report reaches the threshold: the message is hidden.
    Hides,
}

/// The reports on the messages a batch reports, as the batch goes along.
pub(super) struct Reports {
    /// Open reports per message.
    open: HashMap<(RoomId, Seq), i64>,
    /// Who has reported which message (open or closed: one report each, for ever).
    by: HashSet<(RoomId, Seq, UserId)>,
    /// The batch's new reports: its index, room, message, reporter, reason.
    new: Vec<(usize, RoomId, Seq, UserId, String)>,
}

impl Reports {
    /// The reports on every message the batch reports, in one query (none without reports).
    pub(super) async fn load(
        tx: &mut AnyConnection,
        backend: Backend,
        batch: &[SendRequest],
    ) -> Result<Reports, StoreError> {
        let mut reports = Reports {
            open: HashMap::new(),
            by: HashSet::new(),
            new: Vec::new(),
        };
        let mut keys: Vec<(RoomId, Seq)> = batch
            .iter()
            .filter_map(|r| match r.action {
                Action::Report { seq, .. } => Some((r.room_id, seq)),
                _ => None,
            })
            .collect();
        if keys.is_empty() {
            return Ok(reports);
        }
        keys.sort_unstable();
        keys.dedup();
        let keys_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("seq")]);
        let rows: Vec<(RoomId, Seq, UserId, i64)> = sqlx::query_as(&format!(
            "SELECT r.room_id, r.seq, r.reporter_id,
                    CASE WHEN r.resolved_at IS NULL THEN 1 ELSE 0 END
             FROM reports r JOIN {keys_in} k ON r.room_id = k.room AND r.seq = k.seq"
        ))
        .bind(json_param(&keys)?)
        .fetch_all(&mut *tx)
        .await?;
        for (room, seq, reporter, open) in rows {
            reports.by.insert((room, seq, reporter));
            *reports.open.entry((room, seq)).or_default() += open;
        }
        Ok(reports)
    }

    /// Counts the report `req` (batch index `i`), whose message is shown when `shown`.
    pub(super) fn count(&mut self, i: usize, req: &SendRequest, shown: bool) -> Counted {
        let Action::Report {
            seq,
            ref reason,
            threshold,
        } = req.action
        else {
            return Counted::Open(0);
        };
        let key = (req.room_id, seq);
        let open = self.open.entry(key).or_default();
        if !self.by.insert((req.room_id, seq, req.sender_id)) {
            return Counted::Open(*open);
        }
        *open += 1;
        self.new
            .push((i, req.room_id, seq, req.sender_id, reason.clone()));
        if shown && *open >= threshold.max(1) {
            Counted::Hides
        } else {
            Counted::Open(*open)
        }
    }

    /// Forgets the open reports of message `seq` of `room`: a restore earlier in the batch
    /// closes them, so the batch's later reports count from none.
    pub(super) fn close(&mut self, room: RoomId, seq: Seq) {
        self.open.insert((room, seq), 0);
    }

    /// Stores the batch's new reports, and for a host's room its `report.created` webhook.
    pub(super) async fn store(
        &self,
        tx: &mut AnyConnection,
        backend: Backend,
        hooked: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        for (_, room, seq, reporter, reason) in &self.new {
            sqlx::query(
                "INSERT INTO reports (room_id, seq, reporter_id, reason, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(*room)
            .bind(*seq)
            .bind(*reporter)
            .bind(reason.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if hooked.is_empty() {
                continue;
            }
            let host: Option<(String, String, String, String)> = sqlx::query_as(
                "SELECT hr.host, hr.key, COALESCE(rep.sub, ''), COALESCE(au.sub, '')
                 FROM host_rooms hr
                 JOIN messages m ON m.room_id = hr.room_id AND m.seq = $2
                 LEFT JOIN host_users rep ON rep.host = hr.host AND rep.user_id = $3
                 LEFT JOIN host_users au ON au.host = hr.host AND au.user_id = m.sender_id
                 WHERE hr.room_id = $1",
            )
            .bind(*room)
            .bind(*seq)
            .bind(*reporter)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((host, key, by, author)) = host {
                let open = self.open.get(&(*room, *seq)).copied().unwrap_or_default();
                let event = Event::ReportCreated {
                    key: &key,
                    room_id: *room,
                    seq: *seq,
                    by: &by,
                    author: &author,
                    reason,
                    open,
                };
                enqueue(tx, backend, hooked, &host, &event).await?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// The row that hides message `seq` when the report `req` brings it to its threshold:
    /// a `moderation` row from the server's own user, so that no reporter is named.
    pub(super) fn hide_row(
        &self,
        req: &SendRequest,
        seq: Seq,
        author: UserId,
        author_name: String,
    ) -> (SendRequest, ModEvent) {
        let row = SendRequest {
            room_id: req.room_id,
            sender_id: self.system_user,
            sender_name: "Parlor".into(),
            sender_username: super::super::SYSTEM_USERNAME.into(),
            // Named by its own seq once that is known (`write_batch`).
            client_msg_id: String::new(),
            action: Action::Moderate {
                target: author,
                act: ModAction::Hide,
                minutes: None,
                reason: REPORTS_REASON.into(),
                seq: Some(seq),
            },
        };
        let event = ModEvent {
            action: ModAction::Hide,
            user_id: author,
            display_name: author_name,
            seq: Some(seq),
            until: None,
            reason: REPORTS_REASON.into(),
        };
        (row, event)
    }
}
