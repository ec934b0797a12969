//! The names of scratch databases and files, and telling them apart from every other name: on
//! their own so that the dialects' scratch code (which sweeps leftovers by name) and
//! `scratch.rs` (which makes them) do not import each other.

/// The prefix of every scratch database brainmig creates; nothing else is ever dropped.
pub const PREFIX: &str = "brainmig_rt_";

/// A new scratch name: the prefix, when (unix seconds, hex) and 64 random bits.
pub(crate) fn new_name() -> String {
    format!("{PREFIX}{:x}_{}", unix_now(), random_suffix())
}

/// When a name brainmig generated (`brainmig_rt_<unix seconds, hex>_<16 hex digits>`) was made;
/// `None` for any other name, which is never dropped.
pub(crate) fn created_at(name: &str) -> Option<u64> {
    let (time, random) = name.strip_prefix(PREFIX)?.split_once('_')?;
    let hex = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if random.len() != 16 || !hex(random) || !hex(time) {
        return None;
    }
    u64::from_str_radix(time, 16).ok()
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// 64 random bits from the standard library's randomly keyed hasher, as hex.
fn random_suffix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_names_count_as_scratch() {
        let name = format!("{PREFIX}{:x}_{}", unix_now(), random_suffix());
        assert!(
            created_at(&name).is_some_and(|t| t + 5 > unix_now()),
            "{name}"
        );
        for other in [
            "brainmig_rt_",
            "brainmig_rt_mydata",
            "brainmig_rt_6740a1b2_0123456789abcdeF",
            "brainmig_rt_6740a1b2_0123456789abcdef0",
            "brainmig_rt__0123456789abcdef",
            "app",
        ] {
            assert_eq!(created_at(other), None, "{other}");
        }
        assert_ne!(random_suffix(), random_suffix());
    }
}
