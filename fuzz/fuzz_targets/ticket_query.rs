//! The query string of `GET /api/v1/tickets`, read as actix-web reads it (serde_urlencoded
//! into the same structs), then parsed into a filter by the handler's own function.
#![no_main]

use helpdesk::api::tickets::{parse_ticket_query, TicketQuery};
use helpdesk::api::{PageQuery, MAX_LIMIT};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let (Ok(page), Ok(query)) = (
        serde_urlencoded::from_str::<PageQuery>(input),
        serde_urlencoded::from_str::<TicketQuery>(input),
    ) else {
        return;
    };
    if let Ok((filter, _after, limit)) = parse_ticket_query(&page, &query, Some(7)) {
        assert!((1..=MAX_LIMIT).contains(&limit));
        assert_eq!(filter.member_scope, Some(7));
        assert!(filter.priority.is_none_or(|p| (1..=4).contains(&p)));
        assert!(filter.q.as_ref().is_none_or(|q| !q.is_empty() && q.chars().count() <= 200));
        for id in [filter.member_id, filter.assignee_id, filter.category_id] {
            assert!(id.is_none_or(|id| id > 0));
        }
    }
});
