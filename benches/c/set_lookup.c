/*
 * The C side of the set-lookup benchmark: a set lookup done the way the
 * kernel does it in btf_id_set_contains() and btf_id_set8_contains(), that
 * is a generic bsearch() taking an element size and a compare callback.
 *
 * Written for this benchmark (not taken from the kernel). The search is kept
 * out of line and the callback is reached through a function pointer, as it
 * is in the kernel, where bsearch() lives in lib/bsearch.c and the compare
 * functions in kernel/bpf/btf.c.
 */
#include <stddef.h>
#include <stdint.h>

typedef uint32_t u32;

struct btf_id_set {
	u32 cnt;
	u32 ids[];
};

struct btf_id_set8 {
	u32 cnt;
	u32 flags;
	struct {
		u32 id;
		u32 flags;
	} pairs[];
};

typedef int (*cmp_fn)(const void *key, const void *elt);

/* Generic binary search over `num` elements of `size` bytes. */
__attribute__((noinline)) void *bench_bsearch(const void *key, const void *base, size_t num,
					      size_t size, cmp_fn cmp)
{
	const char *lo = base;

	while (num > 0) {
		const char *mid = lo + (num / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			/* The key is above mid: keep the upper part. */
			lo = mid + size;
			num = num - num / 2 - 1;
		} else {
			num = num / 2;
		}
	}
	return NULL;
}

/* Compares two u32 IDs; also the first word of a set8 pair. */
static int cmp_id(const void *a, const void *b)
{
	u32 x = *(const u32 *)a;
	u32 y = *(const u32 *)b;

	if (x > y)
		return 1;
	if (x < y)
		return -1;
	return 0;
}

int c_btf_id_set_contains(const struct btf_id_set *set, u32 id)
{
	return bench_bsearch(&id, set->ids, set->cnt, sizeof(u32), cmp_id) != NULL;
}

u32 *c_btf_id_set8_contains(const struct btf_id_set8 *set, u32 id)
{
	return bench_bsearch(&id, set->pairs, set->cnt, sizeof(set->pairs[0]), cmp_id);
}
