//! The body of `POST /api/v1/tickets/import`: JSON into the import rows, then each row parsed
//! as the handler does before anything reaches the database.
#![no_main]

use helpdesk::api::tickets::{parse_import, ImportTicket};
use helpdesk::domain::Checks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rows) = serde_json::from_slice::<Vec<ImportTicket>>(data) else {
        return;
    };
    let mut checks = Checks::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(ticket) = parse_import(index, row, &mut checks) {
            // Nothing happens before it is created.
            for later in [ticket.acknowledged_at, ticket.resolved_at, ticket.closed_at]
                .into_iter()
                .flatten()
            {
                assert!(later >= ticket.created_at);
            }
            assert!((1..=4).contains(&ticket.draft.priority));
        }
    }
    // Every refusal names its row.
    if let Err(errors) = checks.finish() {
        assert!(errors.iter().all(|e| e.field.starts_with('[')));
    }
});
