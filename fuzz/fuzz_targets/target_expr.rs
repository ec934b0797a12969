//! Target expressions: arbitrary text must never panic, and whatever parses prints back to text
//! that parses to the same target (and, except for `+N`/`-N` and `REV+N`/`REV-N`, to the very same text).
#![no_main]

use brainmig::graph::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(target) = s.parse::<Target>() {
        let printed = target.to_string();
        assert_eq!(
            printed.parse::<Target>().ok(),
            Some(target.clone()),
            "{printed:?}"
        );
        match target {
            Target::Relative(n) | Target::Offset { steps: n, .. } => assert_ne!(n, 0),
            _ => assert_eq!(printed, s),
        }
    }
});
