#define _GNU_SOURCE
#include "CSafeOpen.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437  // the same number on every architecture (the unified syscall table)
#endif

struct scrawl_open_how {  // struct open_how of <linux/openat2.h>
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int scrawl_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve) {
    struct scrawl_open_how how = {(uint64_t)(unsigned)flags, (uint64_t)mode, resolve};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return (int)fd;
}

int scrawl_o_path(void) { return O_PATH; }
