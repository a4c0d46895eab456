/*
 * The memory-provider interface: how the runtime gets a region of memory that
 * other processes can map. The host provider (host_memfd.c) uses anonymous
 * memory files (memfd): a region has no name anywhere, so nothing can outlive
 * the processes that hold it. A device backend (Ascend ACL, CUDA IPC) can
 * fill in the same table later, and the Go side only ever calls through it.
 */
#ifndef SHMEM_MEM_H
#define SHMEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#define SHMEM_MEM_MSG_LEN 160
/* Longest label, without its NUL (memfd names are at most 249 bytes). */
#define SHMEM_MEM_LABEL_MAX 127

/* Why an operation failed: errno plus the step that failed. */
typedef struct shmem_mem_status {
	int err_no;
	char msg[SHMEM_MEM_MSG_LEN];
} shmem_mem_status;

/*
 * Where a mapping should land: base + offset is a multiple of align. align 0
 * (or anything up to the page size) means "wherever the kernel puts it";
 * otherwise align is a power of two and offset a multiple of the page size.
 * It lets every process see the user heap at the same alignment, so an
 * aligned symmetric offset is an aligned address on every PE.
 */
typedef struct shmem_mem_placement {
	size_t align;
	size_t offset;
} shmem_mem_placement;

/*
 * What another process of the same user and host needs to map a region: the
 * creator's pid and its descriptor of the region (open until release), and
 * the region's identity (device, inode, label), which attach checks on what
 * it opened, so that a reused pid or descriptor number cannot hand it some
 * other file.
 */
typedef struct shmem_mem_handle {
	int64_t pid;
	int32_t fd;
	uint64_t dev;
	uint64_t ino;
	char label[SHMEM_MEM_LABEL_MAX + 1];
} shmem_mem_handle;

/* Every function returns 0 on success and -1 with *st filled on failure. */
typedef struct shmem_mem_provider {
	const char *kind;
	/* Creates a new region of size bytes labelled label, maps it, and fills *h. */
	int (*create)(const char *label, size_t size, const shmem_mem_placement *place,
	              uintptr_t *base, shmem_mem_handle *h, shmem_mem_status *st);
	/* Maps all of the region h (another process's) read/write. */
	int (*attach)(const shmem_mem_handle *h, const shmem_mem_placement *place,
	              uintptr_t *base, size_t *size, shmem_mem_status *st);
	/* Unmaps a mapping made by create or attach. */
	int (*detach)(uintptr_t base, size_t size, shmem_mem_status *st);
	/* The creator lets go of h: nobody can attach from now on; mappings stay
	 * valid, and the memory goes with the last of them. */
	int (*release)(shmem_mem_handle *h, shmem_mem_status *st);
} shmem_mem_provider;

/* The host provider: memfd regions, attached through /proc/<pid>/fd/<fd>. */
const shmem_mem_provider *shmem_mem_host(void);

/* cgo cannot call through C function pointers, so Go calls these. */
static inline int shmem_mem_create(const shmem_mem_provider *p, const char *label, size_t size,
                                   const shmem_mem_placement *place, uintptr_t *base,
                                   shmem_mem_handle *h, shmem_mem_status *st)
{
	return p->create(label, size, place, base, h, st);
}

static inline int shmem_mem_attach(const shmem_mem_provider *p, const shmem_mem_handle *h,
                                   const shmem_mem_placement *place, uintptr_t *base,
                                   size_t *size, shmem_mem_status *st)
{
	return p->attach(h, place, base, size, st);
}

static inline int shmem_mem_detach(const shmem_mem_provider *p, uintptr_t base, size_t size,
                                   shmem_mem_status *st)
{
	return p->detach(base, size, st);
}

static inline int shmem_mem_release(const shmem_mem_provider *p, shmem_mem_handle *h,
                                    shmem_mem_status *st)
{
	return p->release(h, st);
}

#endif
