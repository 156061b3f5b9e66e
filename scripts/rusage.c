/*
 * rusage: runs commands and reports each one's exit status, peak RSS
 * (wait4(2) ru_maxrss, KiB), wall time and CPU time (user + system), in
 * microseconds.
 *
 * Why a helper: a child's ru_maxrss includes the peak RSS of the process
 * it was forked from (Linux records the old address space's high-water
 * mark at exec), so a child spawned by a test harness or Python would
 * report the harness's peak, not its own. This small process forks the
 * measured commands from its own small image.
 *
 *   rusage [-o OUT] [-e ERR] -- PROG ARGS...
 *       one command; its stdout to OUT and stderr to ERR (default
 *       /dev/null); prints "STATUS MAXRSS_KIB WALL_US CPU_US".
 *   rusage -l
 *       the commands on stdin, one a line, arguments separated by TABs,
 *       run one after the other with output to /dev/null; prints the line
 *       above for each, then "total N MAX_MAXRSS_KIB SUM_WALL_US
 *       SUM_CPU_US".
 *
 * STATUS is the exit code, or 128 + the signal that killed the command.
 * Used by scripts/bench-real.sh and btf-ids-tool/tests/hostile.rs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct result {
	int status;
	long maxrss;
	long long wall_us, cpu_us;
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int run(char **argv, const char *out, const char *err, struct result *r)
{
	struct rusage ru;
	long long t0 = now_us();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	r->wall_us = now_us() - t0;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->maxrss = ru.ru_maxrss;
	r->cpu_us = ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec +
		    ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
	return 0;
}

static void print(const struct result *r)
{
	printf("%d %ld %lld %lld\n", r->status, r->maxrss, r->wall_us, r->cpu_us);
}

static int list(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long count = 0, max_rss = 0;
	long long wall = 0, cpu = 0;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		char *argv[256];
		int argc = 0;
		struct result r;
		char *save = NULL, *tok;

		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		for (tok = strtok_r(line, "\t", &save); tok && argc < 255;
		     tok = strtok_r(NULL, "\t", &save))
			argv[argc++] = tok;
		argv[argc] = NULL;
		if (!argc)
			continue;
		if (run(argv, "/dev/null", "/dev/null", &r)) {
			perror("rusage");
			return 2;
		}
		print(&r);
		count++;
		if (r.maxrss > max_rss)
			max_rss = r.maxrss;
		wall += r.wall_us;
		cpu += r.cpu_us;
	}
	printf("total %ld %ld %lld %lld\n", count, max_rss, wall, cpu);
	free(line);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *err = "/dev/null";
	struct result r;
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "-l"))
		return list();
	while (i < argc && strcmp(argv[i], "--")) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-e") && i + 1 < argc)
			err = argv[++i];
		else
			break;
		i++;
	}
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "usage: rusage [-o OUT] [-e ERR] -- PROG ARGS... | rusage -l\n");
		return 2;
	}
	if (run(argv + i + 1, out, err, &r)) {
		perror("rusage");
		return 2;
	}
	print(&r);
	return 0;
}
