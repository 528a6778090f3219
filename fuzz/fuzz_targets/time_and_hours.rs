//! Timestamps of the import (RFC 3339) and opening hours of the business calendar.
#![no_main]

use helpdesk::domain::{calendar, time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Some(utc) = time::parse_rfc3339(input) {
        // What the service writes back reads as the same instant.
        let written = time::to_rfc3339(utc);
        assert_eq!(time::parse_rfc3339(&written), Some(utc), "{written}");
    }
    if let Ok(Some((start, end))) = calendar::parse_hours("monday", input) {
        assert!(start < end);
    }
});
