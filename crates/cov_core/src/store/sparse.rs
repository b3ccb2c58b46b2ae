//! Sparse counter rows: the non-zero counters of one unit as varint pairs
//! (slot delta from the previous non-zero slot, count), slots ascending.

use crate::varint::{self, VarintError};

/// Encode the non-zero entries of `counts`.
pub fn encode(counts: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0u64;
    for (slot, &c) in counts.iter().enumerate() {
        if c != 0 {
            varint::write(&mut out, slot as u64 - prev);
            varint::write(&mut out, c);
            prev = slot as u64;
        }
    }
    out
}

/// Decode into (slot, count) pairs; a truncated row is an error.
pub fn decode(bytes: &[u8]) -> Result<Vec<(u32, u64)>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut slot = 0u64;
    while pos < bytes.len() {
        slot += read_varint(bytes, &mut pos)?;
        let count = read_varint(bytes, &mut pos)?;
        let slot32 = u32::try_from(slot).map_err(|_| format!("counter slot {slot} out of range"))?;
        out.push((slot32, count));
    }
    Ok(out)
}

/// Add the pairs of `bytes` into the dense `into` (grown as needed).
pub fn add_into(into: &mut Vec<u64>, bytes: &[u8]) -> Result<(), String> {
    for (slot, count) in decode(bytes)? {
        let i = slot as usize;
        if into.len() <= i {
            into.resize(i + 1, 0);
        }
        into[i] += count;
    }
    Ok(())
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    varint::read(bytes, pos).map_err(|e| match e {
        VarintError::Truncated => "truncated counter row".to_string(),
        VarintError::TooLong => "counter varint too long".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_only_non_zero_counters() {
        let counts = vec![0, 3, 0, 0, 300, 0, u64::MAX];
        let bytes = encode(&counts);
        assert_eq!(decode(&bytes).unwrap(), vec![(1, 3), (4, 300), (6, u64::MAX)]);
        assert!(encode(&[0, 0, 0]).is_empty());
        let mut dense = vec![1, 1];
        add_into(&mut dense, &bytes[..5]).unwrap();
        assert_eq!(dense, vec![1, 4, 0, 0, 300]);
        assert!(decode(&[0x80]).is_err(), "truncated");
    }
}
