//! Counter chunks in memory: shared mappings of their files, allocated on disk
//! up front.

use std::fs::File;
use std::io;
#[cfg(unix)]
use std::os::unix::io::AsRawFd;
use std::sync::atomic::AtomicU32;

/// A shared memory mapping of one chunk file, unmapped when the last table
/// pointing into it is gone.
pub struct Mapping {
    ptr: *mut u8,
    /// In bytes.
    pub(super) len: usize,
}

// SAFETY: the mapping is plain shared memory; every access goes through
// atomics (Rust) or JS's own typed-array stores.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    #[cfg(not(unix))]
    pub(super) fn map(_file: &File, _len: usize, _writable: bool) -> io::Result<Self> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "memory-mapped arenas need a Unix system"))
    }

    #[cfg(unix)]
    pub(super) fn map(file: &File, len: usize, writable: bool) -> io::Result<Self> {
        let prot = if writable { libc::PROT_READ | libc::PROT_WRITE } else { libc::PROT_READ };
        // SAFETY: a fresh mapping of `len` bytes of an open file; checked below.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { ptr: ptr as *mut u8, len })
    }

    /// Slots `offset..offset + len` (in u32s), if the mapping holds them.
    pub fn slots(&self, offset: usize, len: usize) -> Option<&[AtomicU32]> {
        let end = offset.checked_add(len)?.checked_mul(4)?;
        if end > self.len {
            return None;
        }
        // SAFETY: in bounds, 4-aligned (mappings are page-aligned), and the
        // memory lives as long as `self`.
        Some(unsafe { std::slice::from_raw_parts((self.ptr as *const AtomicU32).add(offset), len) })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `map` mapped.
        #[cfg(unix)]
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len)
        };
    }
}

/// Reserve `len` bytes on disk for `file`, so later stores into its mapping
/// cannot fail for want of space.
#[cfg(not(target_os = "linux"))]
pub(super) fn allocate(file: &File, len: usize) -> io::Result<()> {
    file.set_len(len as u64)
}

#[cfg(target_os = "linux")]
pub(super) fn allocate(file: &File, len: usize) -> io::Result<()> {
    // SAFETY: plain syscall on an open descriptor.
    match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len as libc::off_t) } {
        0 => Ok(()),
        // Filesystems without fallocate: a sparse file is the best we can do.
        libc::EOPNOTSUPP | libc::EINVAL => file.set_len(len as u64),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}
