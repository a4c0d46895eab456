/*
 * The host memory provider: anonymous memory files (memfd_create). A region
 * has no name in any file system: it lives exactly as long as some process
 * holds its descriptor or a mapping of it, so a process killed at any moment
 * leaves nothing behind, whoever started it. Peers of the same user map it by
 * opening the creator's descriptor through /proc/<pid>/fd/<fd> (which needs
 * the same access as reading the creator's memory maps, not ptrace attach:
 * Yama's ptrace_scope does not restrict it). Every failure path releases what
 * the call acquired (descriptor, mapping, reservation).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "shmem_mem.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

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
 * Memory the kernel could give a region now, in bytes: MemAvailable plus free
 * swap (shared memory can be swapped out). 0 when /proc/meminfo cannot tell.
 */
static unsigned long long available_memory(void)
{
	unsigned long long avail = 0, swap = 0, kb;
	char line[128];
	int found = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
			avail = kb;
			found = 1;
		} else if (sscanf(line, "SwapFree: %llu kB", &kb) == 1) {
			swap = kb;
		}
	}
	fclose(f);
	return found ? (avail + swap) * 1024 : 0;
}

/*
 * Commits the pages of the region now. Memory files are sparse: without this
 * a heap larger than the memory there is maps fine and then kills the process
 * with SIGBUS (or the OOM killer) on first touch. With it, create fails with
 * ENOSPC or ENOMEM. The limit is checked first because the chunks below are
 * each too small for the kernel's own up-front check: they would fill RAM
 * before failing. A memfd lives on the kernel's internal tmpfs, which has no
 * size limit of its own (f_blocks 0), so what bounds it is memory.
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
	if (vfs.f_blocks == 0) {
		unsigned long long avail = available_memory();

		if (avail != 0 && size >= avail)
			return fail(st, ENOMEM, "reserve %zu bytes with %llu bytes of memory available",
			            size, avail);
	}
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

static int host_create(const char *label, size_t size, const shmem_mem_placement *place,
                       uintptr_t *base, shmem_mem_handle *h, shmem_mem_status *st)
{
	struct stat sb;
	size_t len = strlen(label);
	int fd;

	if (len == 0 || len > SHMEM_MEM_LABEL_MAX)
		return fail(st, EINVAL, "label of %zu bytes", len);
	if (size == 0 || (off_t)size < 0)
		return fail(st, EINVAL, "size %zu", size);
	/* Heaps never hold code: kernels with vm.memfd_noexec = 2 refuse a memfd
	 * that does not say so; kernels before 6.3 do not know the flag. */
	fd = memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return fail(st, errno, "memfd_create");
	if (ftruncate(fd, (off_t)size) != 0) {
		fail(st, errno, "ftruncate to %zu bytes", size);
		goto undo;
	}
	if (reserve(fd, size, st) != 0)
		goto undo;
	/* A peer that shrank the region would make every mapping of it fault. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		fail(st, errno, "seal the size");
		goto undo;
	}
	if (fstat(fd, &sb) != 0) {
		fail(st, errno, "fstat");
		goto undo;
	}
	if (map_placed(fd, size, place, base, st) != 0)
		goto undo;
	h->pid = (int64_t)getpid();
	h->fd = fd;
	h->dev = (uint64_t)sb.st_dev;
	h->ino = (uint64_t)sb.st_ino;
	memcpy(h->label, label, len + 1);
	return 0;

undo:
	close(fd);
	return -1;
}

/* Whether fd (opened here) is the memfd labelled label: /proc shows it as
 * "/memfd:<label> (deleted)". */
static int has_label(int fd, const char *label)
{
	char path[64], link[PATH_MAX], want[SHMEM_MEM_LABEL_MAX + 32];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof link - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	snprintf(want, sizeof want, "/memfd:%s (deleted)", label);
	return strcmp(link, want) == 0;
}

static int host_attach(const shmem_mem_handle *h, const shmem_mem_placement *place, uintptr_t *base,
                       size_t *size, shmem_mem_status *st)
{
	char path[64];
	struct stat sb;
	int fd, rc;

	if (h->pid <= 0 || h->pid > INT_MAX || h->fd < 0 || memchr(h->label, 0, sizeof h->label) == NULL)
		return fail(st, EINVAL, "handle pid %lld fd %d", (long long)h->pid, (int)h->fd);
	snprintf(path, sizeof path, "/proc/%lld/fd/%d", (long long)h->pid, (int)h->fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(st, errno, "open %s", path);
	if (fstat(fd, &sb) != 0) {
		rc = fail(st, errno, "fstat %s", path);
	} else if ((uint64_t)sb.st_dev != h->dev || (uint64_t)sb.st_ino != h->ino ||
	           !has_label(fd, h->label)) {
		/* Another process now has that pid, or that descriptor: not ours. */
		rc = fail(st, ESTALE, "%s is not memfd:%s", path, h->label);
	} else if (sb.st_size <= 0) {
		rc = fail(st, EINVAL, "region is empty");
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

static int host_release(shmem_mem_handle *h, shmem_mem_status *st)
{
	int fd = h->fd;

	if (fd < 0 || h->pid != (int64_t)getpid())
		return fail(st, EINVAL, "release of fd %d of pid %lld", fd, (long long)h->pid);
	h->fd = -1;
	/* Linux frees the descriptor even when close reports an error. */
	if (close(fd) != 0 && errno != EINTR)
		return fail(st, errno, "close fd %d", fd);
	return 0;
}

static const shmem_mem_provider host_provider = {
	.kind = "host-memfd",
	.create = host_create,
	.attach = host_attach,
	.detach = host_detach,
	.release = host_release,
};

const shmem_mem_provider *shmem_mem_host(void)
{
	return &host_provider;
}
