/* Small helpers shared by the check programs: temporary data directories,
 * whole-file reads and writes. */
#ifndef SBC_TEST_UTIL_H
#define SBC_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A fresh directory under $TMPDIR (heap path); removed by sbc_test_rmtree. */
char *sbc_test_tmpdir(void);
void sbc_test_rmtree(const char *path);
/* Whole file as a NUL-terminated heap string, or NULL. */
char *sbc_test_read_file(const char *path, size_t *len);
int sbc_test_write_file(const char *path, const char *text);
/* "DIR/REL" in a heap string. */
char *sbc_test_path(const char *dir, const char *rel);
/* Whether haystack contains needle. */
bool sbc_test_contains(const char *haystack, const char *needle);

#endif
