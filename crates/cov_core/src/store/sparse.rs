//! Sparse counter rows: the non-zero counters of one unit as varint pairs
//! (slot delta from the previous non-zero slot, count), slots ascending.

/// Encode the non-zero entries of `counts`.
pub fn encode(counts: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0u64;
    for (slot, &c) in counts.iter().enumerate() {
        if c != 0 {
            write_varint(&mut out, slot as u64 - prev);
            write_varint(&mut out, c);
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

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos).ok_or("truncated counter row")?;
        *pos += 1;
        if shift >= 64 {
            return Err("counter varint too long".into());
        }
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
    }
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
