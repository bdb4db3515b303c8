/* Crash-safe file writes: a temporary file in the same directory, fsync,
 * rename over the target, fsync of the directory. A failure or a kill at
 * any point leaves the previous file intact. */
#ifndef SBC_CORE_FILE_H
#define SBC_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Write buf to path atomically with the given mode; gzip it if asked.
 * 0, or -1 with errno set (the temporary file is removed). */
int sbc_core_file_write_atomic(const char *path, const void *buf, size_t len, int mode,
			       bool gzip);
/* mkdir that succeeds when the directory already exists. */
int sbc_core_file_mkdir(const char *path, int mode);
bool sbc_core_file_exists(const char *path);

#endif
