//! How the log lays out its messages: a separator where the reader's day changes, and
//! consecutive messages from one sender within [`GROUP_MS`] grouped under one name, avatar
//! and time. Plain data over `seq`-ordered messages, so it is tested on the host; the day of
//! a message comes from the caller (the reader's time zone in a browser, UTC on the server).

use crate::protocol::Message;

/// Messages of one sender this close together share a header.
pub const GROUP_MS: i64 = 5 * 60_000;

/// One row of the log, in `seq` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placed {
    /// A new day begins (days since the Unix epoch, in the reader's zone) at the message
    /// with this `created_at`.
    Day { day: i64, at: i64 },
    /// `messages[index]`; `continued` when it goes on the previous message's group.
    Message { index: usize, continued: bool },
}

/// The rows of `messages` (ascending by `seq`), given each instant's local day.
pub fn place(messages: &[Message], day_of: impl Fn(i64) -> i64) -> Vec<Placed> {
    let mut rows = Vec::with_capacity(messages.len() + 4);
    let mut previous: Option<(&Message, i64)> = None;
    for (index, m) in messages.iter().enumerate() {
        let day = day_of(m.created_at);
        let new_day = previous.is_none_or(|(_, d)| d != day);
        if new_day {
            rows.push(Placed::Day {
                day,
                at: m.created_at,
            });
        }
        // Order is by `seq`, never by clock: a message stamped earlier than the one before
        // it (two servers' clocks) starts a new group rather than join it.
        let continued = !new_day
            && previous.is_some_and(|(p, _)| {
                p.sender_id == m.sender_id
                    && m.created_at >= p.created_at
                    && m.created_at - p.created_at <= GROUP_MS
            });
        rows.push(Placed::Message { index, continued });
        previous = Some((m, day));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn m(seq: i64, sender_id: i64, created_at: i64) -> Message {
        Message {
            id: seq,
            room_id: 1,
            seq,
            sender_id,
            sender_name: format!("user{sender_id}"),
            sender_username: format!("user{sender_id}"),
            client_msg_id: format!("m{seq}"),
            body: "x".into(),
            created_at,
            ..Message::default()
        }
    }

    /// Days in a zone `offset_h` hours east of UTC.
    fn zone(offset_h: i64) -> impl Fn(i64) -> i64 {
        move |ms| (ms + offset_h * HOUR).div_euclid(24 * HOUR)
    }

    fn shape(rows: &[Placed]) -> String {
        rows.iter()
            .map(|r| match r {
                Placed::Day { .. } => "|".to_owned(),
                Placed::Message { index, continued } => {
                    format!("{}{index}", if *continued { "+" } else { " " })
                }
            })
            .collect()
    }

    #[test]
    fn one_senders_run_is_grouped_until_someone_else_or_five_minutes() {
        let day = 20_000 * 24 * HOUR + 9 * HOUR;
        let log = [
            m(1, 1, day),
            m(2, 1, day + 60_000),
            m(3, 1, day + 60_000 + GROUP_MS),
            m(4, 2, day + 7 * 60_000),
            m(5, 1, day + 8 * 60_000),
            m(6, 1, day + 8 * 60_000 + GROUP_MS + 1),
        ];
        assert_eq!(shape(&place(&log, zone(0))), "| 0+1+2 3 4 5");
    }

    #[test]
    fn a_midnight_in_the_readers_zone_separates_days_and_breaks_a_group() {
        // 14:58 and 15:02 UTC: the same day in London, either side of midnight in Seoul.
        let t = 20_000 * 24 * HOUR + 15 * HOUR;
        let log = [m(1, 1, t - 2 * 60_000), m(2, 1, t + 2 * 60_000)];
        assert_eq!(shape(&place(&log, zone(0))), "| 0+1");
        let seoul = place(&log, zone(9));
        assert_eq!(shape(&seoul), "| 0| 1");
        assert_eq!(
            seoul[2],
            Placed::Day {
                day: 20_001,
                at: t + 2 * 60_000
            }
        );
    }

    #[test]
    fn a_clock_that_went_back_starts_a_new_group_and_keeps_seq_order() {
        let t = 20_000 * 24 * HOUR + 12 * HOUR;
        let log = [m(1, 1, t), m(2, 1, t - 1_000)];
        assert_eq!(shape(&place(&log, zone(0))), "| 0 1");
        assert_eq!(place(&[], zone(0)), []);
    }
}
