// What a segment roll costs the writing thread on this VM, outside the JVM (docs/BENCHMARKS.md, "A roll's unmap").
// Build and run: gcc -O2 -pthread -o roll-stall docs/eval/roll-stall.c && ./roll-stall MODE /dev/shm 8
// A writer pinned to CPU 1 appends 64-byte records into memory-mapped 64 MiB files; a helper pinned to CPU 0
// creates the next file ahead (open, size, map, touch every page), as the store's spare thread does. MODE:
//   reuse        the writer goes round and round the first file: no roll, no fresh page;
//   fresh        the writer rolls to each prepared file and unmaps the full one itself;
//   fresh-async  the writer rolls likewise, but hands the full file to the helper, which unmaps it on CPU 0.
// Reports the largest gap between two consecutive records of the writer and how many gaps exceeded 1 ms, and of
// those, the ones without a context switch of the writer (its rusage read every record: the guest did not
// preempt it, so the vCPU itself was stopped or the thread was in the kernel).
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define LEN (64L << 20)

static const char *dir;
static char *volatile ready[2];
static char *volatile retired;
static volatile int stop;

static long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static char *prepare(int n) {
    char path[256];
    snprintf(path, sizeof path, "%s/roll-stall-%d", dir, n);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, LEN) != 0) {
        perror(path);
        exit(1);
    }
    char *p = mmap(0, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    unlink(path);
    for (long i = 0; i < LEN; i += 4096) {
        p[i] = 0;
    }
    return p;
}

static void *helper(void *unused) {
    pin(0);
    int n = 0;
    while (!stop) {
        if (retired) {
            munmap(retired, LEN);
            retired = 0;
        }
        for (int s = 0; s < 2; s++) {
            if (!ready[s] && !stop) {
                ready[s] = prepare(n++);
            }
        }
        usleep(100);
    }
    return unused;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: roll-stall reuse|fresh|fresh-async DIR SECONDS\n");
        return 2;
    }
    const char *mode = argv[1];
    dir = argv[2];
    const long seconds = atol(argv[3]);
    const int rolls = strcmp(mode, "reuse") != 0;
    const int unmapsAsync = strcmp(mode, "fresh-async") == 0;
    pthread_t h;
    pthread_create(&h, 0, helper, 0);
    pin(1);
    while (!ready[0] || !ready[1]) {
        usleep(1000);
    }
    char *cur = ready[0];
    int slot = 0;
    long off = 0, files = 0, records = 0, max = 0, over1ms = 0, hostMax = 0, hostOver1ms = 0;
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    long switches = ru.ru_nivcsw + ru.ru_nvcsw;
    const long start = now();
    long prev = start;
    for (;;) {
        const long t = now();
        const long gap = t - prev;
        prev = t;
        getrusage(RUSAGE_THREAD, &ru);
        const long s = ru.ru_nivcsw + ru.ru_nvcsw;
        if (gap > max) {
            max = gap;
        }
        if (gap > 1000000) {
            over1ms++;
            if (s == switches) {
                hostOver1ms++;
                if (gap > hostMax) {
                    hostMax = gap;
                }
            }
        }
        switches = s;
        if (t - start >= seconds * 1000000000L) {
            break;
        }
        long *r = (long *) (cur + off);
        r[0] = t;
        r[1] = records++;
        r[2] = gap;
        r[3] = ~t;
        r[4] = t ^ records;
        r[5] = 0;
        r[6] = 1;
        r[7] = 2;
        off += 64;
        if (off >= LEN) {
            off = 0;
            if (rolls) {
                if (unmapsAsync) {
                    while (retired) {
                    }
                    retired = cur;
                } else {
                    munmap(cur, LEN);
                }
                ready[slot] = 0;
                slot ^= 1;
                while (!ready[slot]) {
                }
                cur = ready[slot];
                files++;
            }
        }
    }
    stop = 1;
    pthread_join(h, 0);
    printf("%s max_us=%ld over1ms=%ld without_switch: max_us=%ld over1ms=%ld records=%ld files=%ld\n", mode,
        max / 1000, over1ms, hostMax / 1000, hostOver1ms, records, files);
    return 0;
}
