/*
 * The host memory provider: POSIX shared memory. Every failure path releases
 * what the call acquired (fd, mapping, reservation, and the name if this call
 * created it), so an error leaves nothing in /dev/shm or in the address space.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "shmem_mem.h"

/* tmpfs fallocate gives up with EINTR when a signal arrives, so reserve in chunks. */
#define RESERVE_CHUNK ((off_t)64 << 20)

static int fail(shmem_mem_status *st, int err, const char *fmt, ...)
{
	va_list ap;

	st->err_no = err;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof st->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Commits the pages of the region now. tmpfs files are sparse: without this a
 * heap larger than the free space in /dev/shm maps fine and then kills the
 * process with SIGBUS on first touch. With it, create fails with ENOSPC.
 * The free space is checked first because the chunks below are each too small
 * for the kernel's own up-front check: they would fill /dev/shm (and RAM)
 * before failing.
 */
static int reserve(int fd, size_t size, shmem_mem_status *st)
{
	struct statvfs vfs;
	off_t done = 0;

	if (fstatvfs(fd, &vfs) != 0)
		return fail(st, errno, "fstatvfs");
	if (vfs.f_blocks != 0 && size / vfs.f_frsize >= vfs.f_bavail)
		return fail(st, ENOSPC, "reserve %zu bytes with %llu bytes free", size,
		            (unsigned long long)vfs.f_bavail * vfs.f_frsize);
	while ((size_t)done < size) {
		off_t len = (off_t)(size - (size_t)done);
		int rc;

		if (len > RESERVE_CHUNK)
			len = RESERVE_CHUNK;
		rc = posix_fallocate(fd, done, len);
		if (rc == EINTR)
			continue;
		if (rc != 0)
			return fail(st, rc, "reserve %zu bytes", size);
		done += len;
	}
	return 0;
}

static int map_placed(int fd, size_t size, const shmem_mem_placement *place,
                      uintptr_t *base, shmem_mem_status *st)
{
	size_t page = page_size();
	size_t align = place ? place->align : 0;
	size_t offset = place ? place->offset : 0;
	size_t span, mapped;
	uintptr_t raw, want;
	void *p;

	if (align <= page) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return fail(st, errno, "mmap %zu bytes", size);
		*base = (uintptr_t)p;
		return 0;
	}
	if ((align & (align - 1)) != 0 || offset % page != 0)
		return fail(st, EINVAL, "placement align %zu offset %zu", align, offset);
	mapped = (size + page - 1) & ~(page - 1);
	if (mapped < size || mapped > SIZE_MAX - align)
		return fail(st, EOVERFLOW, "placement of %zu bytes", size);
	span = mapped + align;

	/* Reserve address space, then put the shared mapping at the aligned spot in it. */
	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return fail(st, errno, "reserve %zu bytes of address space", span);
	raw = (uintptr_t)p;
	offset %= align;
	want = ((raw + offset + align - 1) & ~(uintptr_t)(align - 1)) - offset;
	p = mmap((void *)want, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		munmap((void *)raw, span);
		return fail(st, err, "mmap %zu bytes", size);
	}
	if (want > raw)
		munmap((void *)raw, want - raw);
	if (want + mapped < raw + span)
		munmap((void *)(want + mapped), raw + span - (want + mapped));
	*base = want;
	return 0;
}

static int host_create(const char *name, size_t size, const shmem_mem_placement *place,
                       uintptr_t *base, shmem_mem_status *st)
{
	int fd;

	if (size == 0 || (off_t)size < 0)
		return fail(st, EINVAL, "size %zu", size);
	fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(st, errno, "shm_open");
	if (ftruncate(fd, (off_t)size) != 0) {
		fail(st, errno, "ftruncate to %zu bytes", size);
		goto undo;
	}
	if (reserve(fd, size, st) != 0)
		goto undo;
	if (map_placed(fd, size, place, base, st) != 0)
		goto undo;
	close(fd);
	return 0;

undo:
	close(fd);
	shm_unlink(name);
	return -1;
}

static int host_attach(const char *name, const shmem_mem_placement *place, uintptr_t *base,
                       size_t *size, shmem_mem_status *st)
{
	struct stat sb;
	int fd, rc;

	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return fail(st, errno, "shm_open");
	if (fstat(fd, &sb) != 0) {
		rc = fail(st, errno, "fstat");
	} else if (sb.st_size <= 0) {
		/* Also what a peer sees if it races the creator's ftruncate. */
		rc = fail(st, EINVAL, "segment is empty");
	} else {
		rc = map_placed(fd, (size_t)sb.st_size, place, base, st);
		if (rc == 0)
			*size = (size_t)sb.st_size;
	}
	close(fd);
	return rc;
}

static int host_detach(uintptr_t base, size_t size, shmem_mem_status *st)
{
	if (base == 0 || size == 0)
		return fail(st, EINVAL, "munmap of base %#lx size %zu", (unsigned long)base, size);
	if (munmap((void *)base, size) != 0)
		return fail(st, errno, "munmap of base %#lx size %zu", (unsigned long)base, size);
	return 0;
}

static int host_unlink(const char *name, shmem_mem_status *st)
{
	if (shm_unlink(name) != 0)
		return fail(st, errno, "shm_unlink");
	return 0;
}

static const shmem_mem_provider host_provider = {
	.kind = "host-shm",
	.create = host_create,
	.attach = host_attach,
	.detach = host_detach,
	.unlink = host_unlink,
};

const shmem_mem_provider *shmem_mem_host(void)
{
	return &host_provider;
}
