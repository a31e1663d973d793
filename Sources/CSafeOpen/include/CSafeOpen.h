// openat2(2) for Swift: Glibc before 2.36 has no wrapper, and Swift cannot call the variadic syscall(2).
#ifndef SCRAWL_CSAFEOPEN_H
#define SCRAWL_CSAFEOPEN_H

#include <stdint.h>
#include <sys/types.h>

// RESOLVE_* bits of <linux/openat2.h> (kernel 5.6), spelled here so the header builds without it.
#define SCRAWL_RESOLVE_NO_SYMLINKS 0x04
#define SCRAWL_RESOLVE_BENEATH 0x08

/// openat2(dirfd, path, {flags, mode, resolve}); -1 with errno set on failure (ENOSYS where the
/// kernel or the C library's headers do not know the call).
int scrawl_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/// O_PATH, which Glibc defines only under _GNU_SOURCE (invisible to Swift's Glibc module).
int scrawl_o_path(void);

#endif
