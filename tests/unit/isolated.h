/* isolated.h — runs a test scenario that might crash or hang in a child process (fork, a
 * watchdog alarm, progress shared through an anonymous mapping), so that test_bytecode can
 * report which byte of which mutant broke the loader instead of dying with it. Included by
 * test_bytecode.c only (after cmocka.h and the POSIX headers it uses). */
#ifndef NF_TEST_ISOLATED_H
#define NF_TEST_ISOLATED_H

/* ---- running a scenario that might crash or hang in a child process -------------------------- */

enum { WATCHDOG_SECONDS = 300 };

/* Shared between the child (which writes) and the parent (which reports). */
typedef struct progress {
    size_t at;        /* the byte offset being tried */
    unsigned bit;     /* the bit being flipped */
    const char *what; /* which kind of mutation */
    unsigned long loads, accepted;
    char problem[768]; /* the first broken rule, "" when none */
} progress;

static progress *shared;

static void note_problem(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static void note_problem(const char *fmt, ...) {
    if (shared->problem[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(shared->problem, sizeof shared->problem, fmt, ap);
    va_end(ap);
}

static void run_isolated(const char *what, void (*fn)(const void *), const void *arg) {
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared != MAP_FAILED);
    memset(shared, 0, sizeof *shared);
    shared->what = "setup";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(WATCHDOG_SECONDS);
        fn(arg);
        _exit(shared->problem[0] ? 1 : 0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail_msg("%s: waitpid failed", what);
    progress p = *shared;
    munmap(shared, sizeof *shared);
    shared = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message("    %s: %lu loads, %lu accepted, %.1f s\n", what, p.loads, p.accepted,
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (WIFSIGNALED(status))
        fail_msg("%s: %s at byte %zu (bit %u, %s)", what,
                 WTERMSIG(status) == SIGALRM ? "hung (watchdog)" : strsignal(WTERMSIG(status)),
                 p.at, p.bit, p.what);
    if (p.problem[0]) fail_msg("%s: %s", what, p.problem);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s: the child exited with status %d at byte %zu (bit %u, %s) — a sanitizer "
                 "report is above",
                 what, WEXITSTATUS(status), p.at, p.bit, p.what);
}

#endif
