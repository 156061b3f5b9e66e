/*
 * floor: what any resolver must at least spend, for scripts/bench-real.sh.
 * Built static, once with glibc and once with musl (musl-gcc), as the two
 * start-ups btf-ids can have.
 *
 *   floor                      starts and exits (what starting a process
 *                              per module costs)
 *   floor FILE OFF:LEN[:s]...  also opens FILE and reads each range with
 *                              pread(2) in 64 KiB pieces into one buffer,
 *                              and in the ranges marked `:s` finds every
 *                              string's end (what reading the sections a
 *                              resolve needs, and splitting BTF's string
 *                              table into names, costs)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[64 << 10];

int main(int argc, char **argv)
{
	unsigned long nuls = 0;
	int i, fd;

	if (argc < 2)
		return 0;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return 1;
	for (i = 2; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		unsigned long long off, len;
		int strings;

		if (!colon)
			return 2;
		off = strtoull(argv[i], NULL, 0);
		len = strtoull(colon + 1, &colon, 0);
		strings = *colon == ':';
		while (len) {
			size_t n = len < sizeof(buf) ? len : sizeof(buf);
			ssize_t got = pread(fd, buf, n, off);
			char *p = buf, *end;

			if (got <= 0)
				return 3;
			end = buf + got;
			while (strings && (p = memchr(p, 0, end - p))) {
				nuls++;
				p++;
			}
			off += got;
			len -= got;
		}
	}
	close(fd);
	return nuls == (unsigned long)-1;
}
