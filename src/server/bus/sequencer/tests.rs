//! The sequencer alone: in order, once, gaps held and reported.

use std::time::{Duration, Instant};

use super::*;
use crate::server::hub::tests::message as row;

fn seqs(rows: &[Message]) -> Vec<Seq> {
    rows.iter().map(|m| m.seq).collect()
}

#[test]
fn the_next_seq_goes_through_and_older_ones_are_dropped() {
    let now = Instant::now();
    let mut s = Sequencer::default();
    assert!(s.begin(1));
    assert!(!s.begin(1));
    assert!(s.start(1, 4, now).is_empty());
    assert_eq!(seqs(&s.offer(row(1, 5), now).deliver), [5]);
    assert!(
        s.offer(row(1, 5), now).deliver.is_empty(),
        "a repeat is dropped"
    );
    assert!(
        s.offer(row(1, 3), now).deliver.is_empty(),
        "an old row is dropped"
    );
    assert!(
        s.offer(row(2, 1), now).deliver.is_empty(),
        "an untracked room is ignored"
    );
}

#[test]
fn a_newer_seq_waits_for_the_one_before_it() {
    let now = Instant::now();
    let mut s = Sequencer::default();
    s.begin(1);
    s.start(1, 0, now);
    let held = s.offer(row(1, 3), now);
    assert!(held.deliver.is_empty());
    assert!(held.new_gap);
    assert!(!s.offer(row(1, 2), now).new_gap, "the same gap");
    assert!(s.gaps_due(now - Duration::from_millis(1)).is_empty());
    assert_eq!(s.gaps_due(now), [(1, 0)]);
    assert_eq!(seqs(&s.offer(row(1, 1), now).deliver), [1, 2, 3]);
    assert!(
        s.gaps_due(now + Duration::from_secs(1)).is_empty(),
        "the gap closed"
    );
}

#[test]
fn rows_before_the_start_are_held_and_sorted_out_by_it() {
    let now = Instant::now();
    let mut s = Sequencer::default();
    s.begin(1);
    for seq in [6, 4, 5, 8] {
        assert!(s.offer(row(1, seq), now).deliver.is_empty());
    }
    // The store stood at 4: 4 is in the catch-up; 5 and 6 follow; 8 waits for 7.
    assert_eq!(seqs(&s.start(1, 4, now)), [5, 6]);
    assert_eq!(s.gaps_due(now), [(1, 6)]);
    assert_eq!(seqs(&s.offer(row(1, 7), now).deliver), [7, 8]);
}

#[test]
fn reconciliation_finds_rooms_behind_the_store() {
    let now = Instant::now();
    let mut s = Sequencer::default();
    for room in [1, 2, 3] {
        s.begin(room);
    }
    s.start(1, 5, now);
    s.start(2, 5, now);
    // Room 3 has not started: it is not behind, its watchers are still catching up.
    assert_eq!(s.behind(&[(1, 5), (2, 7), (3, 9)]), [(2, 5)]);
    s.end(2);
    assert!(!s.is_tracked(2));
    assert!(s.behind(&[(2, 7)]).is_empty());
}
