/*
 * cpuid-cost: what one CPUID instruction costs on this machine, the figure
 * behind building the kbuild binary against musl (docs/BENCHMARKS.md).
 * On bare metal CPUID takes about a hundred cycles; under a hypervisor it
 * always traps to it, and costs microseconds. glibc's start-up runs dozens
 * (cpu features, cache sizes), musl's none.
 *
 *   gcc -O2 -o cpuid-cost scripts/cpuid-cost.c && ./cpuid-cost [N]
 *
 * Prints the mean over N (default 2000) CPUIDs of leaf 0x8000001d (AMD's
 * cache topology, which glibc asks for every cache level) or leaf 4 (the
 * same on Intel).
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	unsigned int a, b, c, d, sum = 0, leaf = 4;
	struct timespec t0, t1;

	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x8000001d)
		leaf = 0x8000001d;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		__cpuid_count(leaf, i & 3, a, b, c, d);
		sum += a;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	printf("%.2f us per CPUID (leaf %#x, %d runs; checksum %u)\n", ns / n / 1000, leaf, n, sum);
	return 0;
}
