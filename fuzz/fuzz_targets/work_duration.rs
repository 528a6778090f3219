//! The duration of a work log: `days` (quarter days) or `minutes`, for any workday length.
#![no_main]

use helpdesk::domain::work_log::{parse_duration, MAX_MINUTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Option<f64>, Option<i64>, u16)| {
    let (days, minutes, workday) = input;
    // The configured workday: 1 minute to a whole day.
    let workday = u32::from(workday % 1440) + 1;
    if let Ok(stored) = parse_duration(days, minutes, workday) {
        assert!((1..=MAX_MINUTES).contains(&i64::from(stored)), "{input:?} -> {stored}");
        if let (Some(days), None) = (days, minutes) {
            // Within a minute of what was asked.
            let asked = days * f64::from(workday);
            assert!((f64::from(stored) - asked).abs() <= 1.0, "{input:?} -> {stored}");
        }
    }
});
