//! Whether an arena's writer still runs, from Linux's /proc.

use std::fs;

use super::format::Meta;

/// Clock ticks since boot at which `pid` started, or None when no such
/// process runs (zombies count as gone).
pub fn process_start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is parenthesized and may hold spaces.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().collect();
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Whether the process that wrote `meta` still runs.
pub fn is_alive(meta: &Meta) -> bool {
    process_start_time(meta.pid) == Some(meta.start_time)
}
