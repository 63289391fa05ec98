//! Which loaded messages of a room are rendered: the newest [`MAX_ROWS`], or a `seq` range
//! while the reader is back in history. Plain data, so the log's bounded DOM is tested on
//! the host.

use crate::protocol::{Message, Seq};

/// Messages rendered at most.
pub const MAX_ROWS: usize = 150;

/// Which loaded messages are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// The newest [`MAX_ROWS`], following new messages.
    Latest,
    /// An inclusive `seq` range, while the reader is back in history.
    Range { start: Seq, end: Seq },
}

impl Window {
    /// The window of at most `MAX_ROWS` messages starting at index `from` of `m`.
    pub fn from_index(m: &[Message], from: usize) -> Window {
        let from = from.min(m.len().saturating_sub(MAX_ROWS));
        let to = (from + MAX_ROWS).min(m.len());
        if to == m.len() {
            Window::Latest
        } else {
            Window::Range {
                start: m[from].seq,
                end: m[to - 1].seq,
            }
        }
    }

    /// The index range of `m` it covers.
    pub fn slice(self, m: &[Message]) -> std::ops::Range<usize> {
        match self {
            Window::Latest => m.len().saturating_sub(MAX_ROWS)..m.len(),
            Window::Range { start, end } => {
                m.partition_point(|x| x.seq < start)..m.partition_point(|x| x.seq <= end)
            }
        }
    }
}

/// Where a reader left a room's log, to return there when the room is opened again: the
/// window, and the message at the top of the view with its distance from the top. A reader
/// who left at the bottom has none, and comes back to the latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub window: Window,
    pub seq: Seq,
    pub from_top: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(seqs: impl IntoIterator<Item = Seq>) -> Vec<Message> {
        seqs.into_iter()
            .map(|seq| Message {
                id: seq,
                room_id: 1,
                seq,
                sender_id: 1,
                sender_name: "a".into(),
                sender_username: "a".into(),
                client_msg_id: format!("m{seq}"),
                body: "x".into(),
                created_at: 0,
                ..Message::default()
            })
            .collect()
    }

    #[test]
    fn the_latest_window_is_bounded_and_follows_new_messages() {
        let mut m = log(1..=400);
        assert_eq!(Window::Latest.slice(&m), 250..400);
        m.extend(log(401..=410));
        assert_eq!(Window::Latest.slice(&m).len(), MAX_ROWS);
        assert_eq!(m[Window::Latest.slice(&m).end - 1].seq, 410);
        assert_eq!(Window::Latest.slice(&log(1..=3)), 0..3);
    }

    #[test]
    fn a_range_keeps_its_messages_when_older_pages_are_loaded_before_it() {
        let m = log(101..=400);
        let w = Window::from_index(&m, 0);
        assert_eq!(
            w,
            Window::Range {
                start: 101,
                end: 250
            }
        );
        let mut older = log(1..=100);
        older.extend(m);
        let range = w.slice(&older);
        assert_eq!(
            (older[range.start].seq, older[range.end - 1].seq),
            (101, 250)
        );
        assert_eq!(range.len(), MAX_ROWS);
    }

    #[test]
    fn a_window_reaching_the_end_becomes_latest_again() {
        let m = log(1..=300);
        assert_eq!(Window::from_index(&m, 150), Window::Latest);
        assert_eq!(
            Window::from_index(&m, 1_000),
            Window::Latest,
            "clamped, never empty"
        );
        assert!(matches!(Window::from_index(&m, 149), Window::Range { .. }));
    }

    #[test]
    fn a_range_over_gaps_in_seq_takes_what_is_held() {
        let m = log((1..=400).filter(|s| s % 2 == 0));
        let w = Window::Range { start: 51, end: 99 };
        let r = w.slice(&m);
        assert_eq!((m[r.start].seq, m[r.end - 1].seq), (52, 98));
    }
}
