//! Search: the messages of every room the caller belongs to (docs/search.md).

use leptos::prelude::*;

use super::ApiError;
use crate::model::SearchPage;

/// `POST /api/search_messages`: page `page` (from 0, default 0) of the messages matching
/// every word of `query` in the caller's rooms, `search_page` to a page, the most relevant
/// first, then the newest. `session`: the embed's session token, as for `older_messages`.
///
/// A query longer than `search_query_chars` is `search_query_too_long`; one with nothing to
/// look for (only spaces, punctuation or emoji) is `search_query_empty`. Quotes, `*`,
/// `NEAR`, `AND` and parentheses are plain text: no query reaches an index's syntax. More
/// than `searches_per_second` (with a burst of five seconds' worth) is `too_many_attempts`.
#[server(endpoint = "search_messages")]
pub async fn search_messages(
    query: String,
    page: Option<i64>,
    session: Option<String>,
) -> Result<SearchPage, ApiError> {
    use crate::server::context;
    use crate::server::search::tokens::query_terms;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    if let Err(wait) = state.search_limiter.check(me.user_id) {
        state
            .metrics
            .limited(crate::server::metrics::Limit::Searches);
        context::retry_after(wait);
        return Err(ApiError::TooManyAttempts);
    }
    if query.chars().count() > state.config.search_query_chars {
        return Err(ApiError::SearchQueryTooLong);
    }
    let terms = query_terms(&query);
    if terms.is_empty() {
        return Err(ApiError::SearchQueryEmpty);
    }
    let page = page.unwrap_or(0);
    if !(0..=MAX_PAGE).contains(&page) {
        return Err(ApiError::Request(format!("page must be 0 to {MAX_PAGE}")));
    }
    let per_page = state.config.search_page;
    Ok(state
        .store
        .search(me.user_id, &terms, page, per_page)
        .await?)
}

/// The last page a search may ask for: deeper pages cost a scan of every hit before them,
/// and nobody reads that far.
pub const MAX_PAGE: i64 = 100;
