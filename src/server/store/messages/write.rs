//! The batch write: every request of a batch (messages, edits, deletes, reactions) in one
//! transaction, each new row taking its room's next `seq`.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, now_ms, search, Backend, Store, StoreError};
use super::changes::{self, Targets};
use super::insert::insert;
use super::moderation::{self, Membership, Roles};
use super::reports::{Counted, Reports};
use super::rows::{self, MessageRow, MESSAGE_SELECT};
use super::{Action, SendOutcome, SendRequest};
use crate::protocol::{ErrorCode, Message, ModAction, ModEvent, Role, RoomId, Seq, UserId};

/// What becomes of one request of a batch.
enum Plan {
    /// Stored before: answer with that row.
    Earlier(Box<Message>),
    /// Repeats an earlier request of the same batch (its index).
    SameAs(usize),
    NotMember,
    /// A change that may not be made (or a reply to no message).
    Refused(ErrorCode),
    /// The sender is muted until then.
    Muted(i64),
    /// A report, counted; the message's open reports.
    Reported(i64),
    /// New: the k-th new row of its room in this batch (from 1).
    New(Seq),
}

impl Store {
    /// Stores a batch of requests in one transaction (one fsync for all of them).
    ///
    /// Either the whole batch commits or none of it does; the outcomes are in request order.
    /// Messages cost a fixed handful of statements, whatever the batch size:
    /// 0. on PostgreSQL, the batch's rooms, then its senders, are locked in id order
    ///    (`FOR UPDATE`), so that writers on other nodes wait for this commit before they
    ///    look for copies or take seqs, and two nodes never deadlock (SQLite's transaction
    ///    holds the whole file);
    /// 1. earlier copies of every (sender, `client_msg_id`) in the batch, in one query;
    /// 2. which (room, sender) pairs are memberships, in one query;
    /// 3. the messages the batch's changes and replies name, in one query ([`Targets`]);
    /// 4. per room with new rows, one `UPDATE … RETURNING` that reserves its next `seq`s;
    /// 5. one `INSERT … SELECT` of the new rows from a JSON parameter (per thousand).
    ///
    /// Each change then updates its message (and reactions) in `seq` order, and events and
    /// replies are read back complete. A request repeated inside the batch is a duplicate of
    /// its first copy.
    pub async fn write_batch(&self, batch: &[SendRequest]) -> Result<Vec<SendOutcome>, StoreError> {
        let mut tx = self.write_tx().await?;
        if self.backend == Backend::Postgres {
            lock_batch(&mut tx, self.backend, batch).await?;
        }
        let earlier_rows = earlier_copies(&mut tx, self.backend, batch).await?;
        let earlier: HashMap<(UserId, &str), &Message> = earlier_rows
            .iter()
            .map(|m| ((m.sender_id, m.client_msg_id.as_str()), m))
            .collect();
        let standings = memberships(&mut tx, self.backend, batch).await?;
        // Who may post, as the batch goes on: a kick or a ban takes its target out for the
        // batch's later requests too.
        let mut members: HashSet<(RoomId, UserId)> = standings
            .iter()
            .map(|&(room, user, ..)| (room, user))
            .collect();
        let mut roles = Roles::load(&mut tx, self.backend, batch, standings).await?;
        let mut targets = Targets::load(&mut tx, self.backend, batch).await?;
        let mut reports = Reports::load(&mut tx, self.backend, batch).await?;
        let now = now_ms();
        // The events of the batch's moderation requests, by batch index.
        let mut events: HashMap<usize, ModEvent> = HashMap::new();
        // The rows the server writes as its own user (a message hidden by its reports), in
        // the place of the report that caused them, by batch index.
        let mut own_rows: HashMap<usize, SendRequest> = HashMap::new();
        let mut first_copy: HashMap<(UserId, &str), usize> = HashMap::new();
        let mut new_in_room: BTreeMap<RoomId, Seq> = BTreeMap::new();
        let plans: Vec<Plan> = batch
            .iter()
            .enumerate()
            .map(|(i, req)| {
                let key = (req.sender_id, req.client_msg_id.as_str());
                if let Some(&m) = earlier.get(&key) {
                    Plan::Earlier(Box::new(m.clone()))
                } else if let Some(&first) = first_copy.get(&key) {
                    Plan::SameAs(first)
                } else if !members.contains(&(req.room_id, req.sender_id))
                    && !roles.acts_for_site(req)
                {
                    Plan::NotMember
                } else if let Some(until) = roles.muted(req, now) {
                    Plan::Muted(until)
                } else if roles.read_only_refuses(req) {
                    Plan::Refused(ErrorCode::ReadOnly)
                } else if let Err(code) =
                    targets.check(req, now, roles.role(req.room_id, req.sender_id))
                {
                    Plan::Refused(code)
                } else {
                    let next = |new_in_room: &mut BTreeMap<RoomId, Seq>| {
                        let n = new_in_room.entry(req.room_id).or_default();
                        *n += 1;
                        Plan::New(*n)
                    };
                    match &req.action {
                        Action::Moderate { .. } => match roles.check(req, now, targets.of(req)) {
                            Ok(event) => {
                                if event.action.removes() {
                                    members.remove(&(req.room_id, event.user_id));
                                }
                                if let (ModAction::Restore, Some(seq)) = (event.action, event.seq) {
                                    reports.close(req.room_id, seq);
                                }
                                events.insert(i, event);
                                first_copy.insert(key, i);
                                next(&mut new_in_room)
                            }
                            Err(code) => Plan::Refused(code),
                        },
                        Action::Report { seq, .. } => {
                            let message = targets.of(req);
                            // Reports hide a member's message, never a moderator's (or
                            // the site's): those go to the inbox only.
                            let shown = message
                                .is_some_and(|t| t.live() && t.sender_role < Role::Moderator);
                            let author = message.map(|t| (t.sender_id, t.sender_name.clone()));
                            match (reports.count(i, req, shown), author) {
                                (Counted::Hides, Some((author, name))) => {
                                    targets.hide(req.room_id, *seq);
                                    let (row, event) = self.hide_row(req, *seq, author, name);
                                    events.insert(i, event);
                                    own_rows.insert(i, row);
                                    next(&mut new_in_room)
                                }
                                (Counted::Open(n), _) => Plan::Reported(n),
                                (Counted::Hides, None) => Plan::Refused(ErrorCode::NoSuchMessage),
                            }
                        }
                        _ => {
                            first_copy.insert(key, i);
                            next(&mut new_in_room)
                        }
                    }
                }
            })
            .collect();
        // Only new messages make a room active (move it up the lists); events do not.
        let talked: HashSet<RoomId> = plans
            .iter()
            .zip(batch)
            .filter(|(plan, req)| {
                matches!(plan, Plan::New(_)) && matches!(req.action, Action::Post { .. })
            })
            .map(|(_, req)| req.room_id)
            .collect();
        let base = reserve_seqs(&mut tx, &new_in_room, &talked).await?;
        // A row of the server's own user is named by its place, which names nobody (a
        // reporter's id in it would tell every member who reported).
        for (i, row) in &mut own_rows {
            if let (Plan::New(k), Some(b)) = (&plans[*i], base.get(&row.room_id)) {
                row.client_msg_id = format!("hide:{}:{}", row.room_id, b + k);
            }
        }
        let new: Vec<(usize, &SendRequest, Seq)> = plans
            .iter()
            .zip(batch)
            .enumerate()
            .filter_map(|(i, (plan, req))| match plan {
                Plan::New(k) => Some((
                    i,
                    own_rows.get(&i).unwrap_or(req),
                    base.get(&req.room_id).copied()? + k,
                )),
                _ => None,
            })
            .collect();
        let bodies: HashMap<usize, String> = events
            .iter()
            .map(|(&i, event)| (i, serde_json::to_string(event).unwrap_or_default()))
            .collect();
        let mut stored = insert(&mut tx, self.backend, &new, &bodies, now).await?;
        let posted: Vec<(i64, RoomId, &str)> = new
            .iter()
            .filter_map(|(i, req, _)| match &req.action {
                Action::Post { tokens, .. } => {
                    Some((stored.get(i)?.id, req.room_id, tokens.as_str()))
                }
                _ => None,
            })
            .collect();
        search::index(&mut tx, self.backend, &posted).await?;
        // The reports first, so that a removal or a restore later in the batch closes them
        // too; then each row's effect, in `seq` order.
        reports
            .store(&mut tx, self.backend, &self.webhook_hosts, now)
            .await?;
        for &(i, req, seq) in &new {
            match events.get(&i) {
                Some(event) => {
                    let (room, actor) = (req.room_id, req.sender_id);
                    moderation::apply(&mut tx, self.backend, room, seq, actor, event, now).await?
                }
                None => changes::apply(&mut tx, self.backend, req, seq, now).await?,
            }
        }
        read_back(&mut tx, self.backend, &new, &mut stored).await?;
        let outcomes = plans
            .into_iter()
            .enumerate()
            .map(|(i, plan)| match plan {
                Plan::Earlier(m) => Ok(SendOutcome::Duplicate(*m)),
                Plan::SameAs(first) => stored
                    .get(&first)
                    .map(|m| SendOutcome::Duplicate(m.clone()))
                    .ok_or(missing()),
                Plan::NotMember => Ok(SendOutcome::NotMember),
                Plan::Refused(code) => Ok(SendOutcome::Refused(code)),
                Plan::Muted(until) => Ok(SendOutcome::Muted(until)),
                Plan::Reported(open) => Ok(SendOutcome::Reported(open)),
                Plan::New(_) => stored
                    .get(&i)
                    .map(|m| SendOutcome::Stored(m.clone()))
                    .ok_or(missing()),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut created: Vec<_> = stored
            .values()
            .filter(|m| m.is_message())
            .map(|m| (m.room_id, m.seq, m.id, m.sender_id))
            .collect();
        created.sort_unstable();
        super::super::webhooks::enqueue_messages(
            &mut tx,
            self.backend,
            &self.webhook_hosts,
            &created,
        )
        .await?;
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// Locks the rows of the batch's rooms, then of its senders, each in id order (PostgreSQL).
/// The senders too because a `client_msg_id` is unique per sender, whatever the room: the
/// same id sent to two rooms through two nodes would otherwise pass both checks, and the
/// second insert would fail its whole batch. Rooms first, then senders: one lock order for
/// every writer, so no deadlock.
async fn lock_batch(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<(), StoreError> {
    let ids_in = backend.int_rows("$1");
    let rooms: Vec<i64> = batch.iter().map(|r| r.room_id).collect();
    let senders: Vec<i64> = batch.iter().map(|r| r.sender_id).collect();
    for (table, lock, mut ids) in [
        ("rooms", "FOR UPDATE", rooms),
        ("users", "FOR NO KEY UPDATE", senders),
    ] {
        ids.sort_unstable();
        ids.dedup();
        sqlx::query(&format!(
            "SELECT id FROM {table} WHERE id IN {ids_in} ORDER BY id {lock}"
        ))
        .bind(json_param(&ids)?)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Messages already stored under any (sender, `client_msg_id`) of the batch.
async fn earlier_copies(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<Vec<Message>, StoreError> {
    let keys = json_pairs(
        batch
            .iter()
            .map(|r| (r.sender_id, r.client_msg_id.as_str())),
    )?;
    let keys_in = backend.tuple_rows("$1", &[Col::Int("sender"), Col::Text("cmid")]);
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} JOIN {keys_in} k ON m.sender_id = k.sender AND m.client_msg_id = k.cmid"
    ))
    .bind(keys)
    .fetch_all(&mut *tx)
    .await?;
    rows::complete(tx, backend, rows).await
}

/// The (room, sender) pairs of the batch whose sender may post there (a member, and in a
/// direct room not blocked by the other person), with the member's role and mute and
/// whether the room is read-only.
async fn memberships(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<Vec<Membership>, StoreError> {
    let pairs = json_pairs(batch.iter().map(|r| (r.room_id, r.sender_id)))?;
    let pairs_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("sender")]);
    let rows: Vec<Membership> = sqlx::query_as(&format!(
        "SELECT DISTINCT mb.room_id, mb.user_id, mb.role, mb.muted_until, ro.read_only
         FROM {pairs_in} k
         JOIN members mb ON mb.room_id = k.room AND mb.user_id = k.sender
         JOIN rooms ro ON ro.id = mb.room_id
         WHERE NOT EXISTS (
             SELECT 1 FROM members other
             JOIN blocks b ON b.blocker_id = other.user_id AND b.blocked_id = mb.user_id
             JOIN rooms r ON r.id = other.room_id AND r.kind = 'direct'
             WHERE other.room_id = mb.room_id AND other.user_id <> mb.user_id)"
    ))
    .bind(pairs)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows)
}

/// Raises each room's `last_seq` by its number of new rows, and the `last_active_at` of the
/// rooms in `talked`; returns the seq before them (the room's k-th new row gets that plus k).
async fn reserve_seqs(
    tx: &mut AnyConnection,
    new_in_room: &BTreeMap<RoomId, Seq>,
    talked: &HashSet<RoomId>,
) -> Result<HashMap<RoomId, Seq>, StoreError> {
    let mut base = HashMap::new();
    for (&room, &count) in new_in_room {
        let last: Seq = sqlx::query_scalar(
            "UPDATE rooms SET last_seq = last_seq + $1,
                 last_active_at = CASE WHEN $2 = 1 THEN $3 ELSE last_active_at END
             WHERE id = $4 RETURNING last_seq",
        )
        .bind(count)
        .bind(i64::from(talked.contains(&room)))
        .bind(now_ms())
        .bind(room)
        .fetch_one(&mut *tx)
        .await?;
        base.insert(room, last - count);
    }
    Ok(base)
}

/// Events and replies read back complete (an event with its target's new state, a reply
/// with its quote); a plain message is already complete as inserted.
async fn read_back(
    tx: &mut AnyConnection,
    backend: Backend,
    new: &[(usize, &SendRequest, Seq)],
    stored: &mut HashMap<usize, Message>,
) -> Result<(), StoreError> {
    let wanted: HashMap<(RoomId, Seq), usize> = new
        .iter()
        .filter(|(_, req, _)| req.action.target().is_some())
        .map(|&(i, req, seq)| ((req.room_id, seq), i))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let keys: Vec<(RoomId, Seq)> = wanted.keys().copied().collect();
    let rows = rows::by_seq_rows(tx, backend, &keys).await?;
    for m in rows::complete(tx, backend, rows).await? {
        if let Some(&i) = wanted.get(&(m.room_id, m.seq)) {
            stored.insert(i, m);
        }
    }
    Ok(())
}

/// `[[a, b], …]` as JSON text, for `json_each` in a query.
fn json_pairs<A: serde::Serialize, B: serde::Serialize>(
    pairs: impl Iterator<Item = (A, B)>,
) -> Result<String, StoreError> {
    json_param(&pairs.collect::<Vec<_>>())
}

/// A row the batch write inserted but cannot find again: never expected; the batch is not
/// committed.
pub(super) fn missing() -> StoreError {
    StoreError::Db(sqlx::Error::RowNotFound)
}
