/* Tests of the binding slab: zeroed memory, size classes, reuse of freed
 * objects within their class, large objects from malloc, many chunks. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sbc_sip_slab.h"
#include "sbc_test_run.h"

START_TEST(objects_are_zeroed_aligned_and_reused)
{
	struct sbc_sip_slab *s = sbc_sip_slab_new();
	char *a = sbc_sip_slab_alloc(s, 300), *b = sbc_sip_slab_alloc(s, 310);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq((uintptr_t)a % 16, 0);
	static const char zeros[300];
	ck_assert_mem_eq(a, zeros, 300);
	memset(a, 0xab, 300);
	memset(b, 0xcd, 310);
	sbc_sip_slab_free(s, a, 300);
	char *c = sbc_sip_slab_alloc(s, 320); /* same 64-byte class: a again, zeroed */
	ck_assert_ptr_eq(c, a);
	ck_assert_mem_eq(c, zeros, 300);
	char *d = sbc_sip_slab_alloc(s, 100); /* another class: not a */
	ck_assert_ptr_ne(d, a);
	ck_assert_int_eq((unsigned char)b[309], 0xcd); /* neighbours untouched */
	char *big = sbc_sip_slab_alloc(s, 5000);     /* from malloc */
	memset(big, 1, 5000);
	sbc_sip_slab_free(s, big, 5000);
	sbc_sip_slab_destroy(s);
}
END_TEST

START_TEST(many_objects_span_chunks)
{
	struct sbc_sip_slab *s = sbc_sip_slab_new();
	enum { N = 20000 };
	char **p = malloc(N * sizeof *p);
	for (int i = 0; i < N; i++) {
		p[i] = sbc_sip_slab_alloc(s, 200);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], i & 0xff, 200);
	}
	for (int i = 0; i < N; i++)
		ck_assert_int_eq((unsigned char)p[i][199], i & 0xff);
	for (int i = 0; i < N; i += 2)
		sbc_sip_slab_free(s, p[i], 200);
	for (int i = 0; i < N; i += 2)
		ck_assert_ptr_nonnull(sbc_sip_slab_alloc(s, 200));
	free(p);
	sbc_sip_slab_destroy(s);
}
END_TEST

int main(void)
{
	Suite *suite = suite_create("slab");
	TCase *tc = tcase_create("slab");
	tcase_add_test(tc, objects_are_zeroed_aligned_and_reused);
	tcase_add_test(tc, many_objects_span_chunks);
	suite_add_tcase(suite, tc);
	return sbc_test_run(suite);
}
