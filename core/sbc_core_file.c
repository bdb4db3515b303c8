/* Atomic file replacement (see sbc_core_file.h), with zlib for the gzipped
 * backups the real SBC keeps. */
#include "sbc_core_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_gzip(int fd, const void *buf, size_t len)
{
	uLongf cap = compressBound(len) + 32;
	unsigned char *out = malloc(cap);
	z_stream zs = { 0 };
	int rc = -1;
	if (!out)
		return -1;
	/* windowBits 15 + 16: a gzip wrapper, so `zcat` and `gunzip` read it. */
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		goto done;
	zs.next_in = (unsigned char *)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) == Z_STREAM_END)
		rc = write_all(fd, out, zs.total_out);
	else
		errno = EIO;
	deflateEnd(&zs);
done:
	free(out);
	return rc;
}

static int fsync_parent(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -1;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int sbc_core_file_write_atomic(const char *path, const void *buf, size_t len, int mode,
			       bool gzip)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	int rc = fchmod(fd, (mode_t)mode);
	if (rc == 0)
		rc = gzip ? write_gzip(fd, buf, len) : write_all(fd, buf, len);
	if (rc == 0)
		rc = fsync(fd);
	int saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fsync_parent(path);
}

int sbc_core_file_mkdir(const char *path, int mode)
{
	if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

bool sbc_core_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}
