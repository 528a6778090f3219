//! How the process gives memory back to the system (glibc's malloc, mallopt(3)).

/// Makes glibc's malloc give blocks of 256 KiB and more straight back to the system when they
/// are freed (`M_MMAP_THRESHOLD`, mallopt(3)).
///
/// By default glibc raises that threshold to the size of the largest such block freed: after
/// the first import (a large body, and its rows), every block below that comes from the arena
/// of the thread that asked, and each thread's arena keeps its largest requests' worth once
/// freed. With a dozen threads that made most of the resident memory (figures in
/// `bench/README.md`). A block this large is rare on the request path, so the system calls it
/// costs are few.
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::ffi::c_int;
        extern "C" {
            fn mallopt(param: c_int, value: c_int) -> c_int;
        }
        const M_MMAP_THRESHOLD: c_int = -3;
        static SET: std::sync::Once = std::sync::Once::new();
        SET.call_once(|| {
            // SAFETY: glibc's mallopt takes two ints and may be called at any time; a fixed
            // threshold also turns off its dynamic adjustment.
            if unsafe { mallopt(M_MMAP_THRESHOLD, 256 * 1024) } != 1 {
                log::warn!(
                    "cannot set malloc's mmap threshold: memory may stay high after imports"
                );
            }
        });
    }
}

/// Hands the free memory at the top and in the middle of malloc's arenas back to the system
/// (malloc_trim(3)), after work that briefly needed a lot of it, such as a bulk import's cache.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim takes the padding to keep and may be called at any time.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// Large response bodies alive now (see `LargeBody`).
static LARGE_BODIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Bytes from which a response body counts as large.
pub const LARGE_BODY_BYTES: u64 = 256 * 1024;

/// Held by a large response body while it lives. When the last of them goes, the memory that
/// made them (rows read, pages written, in every thread's arena) is handed back to the system:
/// after a burst of big pages, many of them never read by their clients, the process comes
/// back to its size at rest instead of keeping the burst's peak.
pub struct LargeBody(());

impl LargeBody {
    pub fn new() -> LargeBody {
        LARGE_BODIES.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        LargeBody(())
    }
}

impl Default for LargeBody {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for LargeBody {
    fn drop(&mut self) {
        if LARGE_BODIES.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            release_free_memory();
        }
    }
}
