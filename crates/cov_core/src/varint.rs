//! Unsigned LEB128 numbers: seven bits a byte, low bits first, the high bit
//! set on every byte but the last. The run store's sparse counter rows and the
//! arena's file records both write their numbers this way.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarintError {
    /// The bytes end inside a number.
    Truncated,
    /// More continuation bytes than a u64 holds.
    TooLong,
}

pub fn write(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The number at `*pos`, moving `*pos` past it.
pub fn read(bytes: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        if shift >= 64 {
            return Err(VarintError::TooLong);
        }
        let b = *bytes.get(*pos).ok_or(VarintError::Truncated)?;
        *pos += 1;
        n |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_malformed_input() {
        let mut out = Vec::new();
        for n in [0, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            write(&mut out, n);
        }
        assert_eq!(&out[..4], &[0, 127, 0x80, 1]);
        let mut pos = 0;
        let read_all: Vec<u64> = (0..6).map(|_| read(&out, &mut pos).unwrap()).collect();
        assert_eq!(read_all, vec![0, 127, 128, 300, u32::MAX as u64, u64::MAX]);
        assert_eq!(pos, out.len());
        assert_eq!(read(&[0x80], &mut 0), Err(VarintError::Truncated));
        assert_eq!(read(&[0xff; 11], &mut 0), Err(VarintError::TooLong));
    }
}
