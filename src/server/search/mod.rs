//! Message search (issue 19), started: the one tokenizer both stores' indexes will use.
//!
//! - [`tokens`]: a text's index tokens and a query's terms, the same rules for both: NFC,
//!   lower case, overlapping bigrams for CJK runs (Hangul, Han, kana), whole words
//!   elsewhere.

pub mod tokens;
