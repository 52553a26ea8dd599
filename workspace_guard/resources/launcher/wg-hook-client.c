/* workspace-guard-managed: the hook server's client, compiled into the state dir by
 * `workspace-guard install --harness X` (or by the server) where a C compiler exists.
 *
 * Usage: client HARNESS STATE_DIR TIMEOUT   (the hook's event on stdin, the answer on stdout)
 *
 * It speaks the protocol of workspace_guard/gates/harness/serve.py and exits:
 *   0, 2   the server's answer (stdout and stderr written as the one-shot hook writes them);
 *   1, 3…  the server's exit code (stderr written, stdout dropped; the launcher blocks);
 *   96     not for the server (PYTHON* variables a one-shot process would obey, or a TIMEOUT
 *          that is not a whole number of seconds from 1 to 20: the launcher blocks on it);
 *          stdin untouched;
 *   97     no server answers (none, not ours, stale); stdin untouched: the launcher starts one
 *          and asks the one-shot hook;
 *   98     no answer within TIMEOUT seconds (after stdin was read: the launcher blocks);
 *   99     the answer was cut short or malformed (the launcher blocks).
 * The socket must be a socket owned by this user with no access for others, in a directory of
 * the same kind; on Linux the peer must run as this user and be a `hook serve` process.
 * Every wait has a deadline, the connect included (non-blocking: a server that does not accept,
 * its listen queue full, is "no server" within the greeting's wait, never a hang the harness
 * would end with its own timeout — which lets the call through). Reading stdin has the call's
 * deadline too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct buf {
    char *data;
    size_t len, cap;
};

static int put(struct buf *b, const void *data, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + len) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) return -1;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static int put_field(struct buf *b, const void *data, size_t len) {
    unsigned char size[4] = {len >> 24, len >> 16, len >> 8, len};
    return put(b, size, 4) || put(b, data, len);
}

static uint32_t get32(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for `events` on fd until `deadline`: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - now();
        if (left <= 0) return 0;
        struct pollfd p = {fd, events, 0};
        int n = poll(&p, 1, (int)(left * 1000) + 1);
        if (n > 0) return 1;
        if (n < 0 && errno != EINTR) return -1;
    }
}

static int private_node(const char *path, mode_t kind) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    return (st.st_mode & S_IFMT) == kind && st.st_uid == geteuid() && !(st.st_mode & 077);
}

static int peer_ok(int fd) {
#ifdef SO_PEERCRED
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return 1;
    if (cred.uid != geteuid()) return 0;
    char path[64], cmd[65536];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)cred.pid);
    int proc = open(path, O_RDONLY | O_CLOEXEC);
    if (proc < 0) return 1;
    ssize_t n = read(proc, cmd, sizeof cmd);
    close(proc);
    if (n <= 0) return 0;
    return memmem(cmd, (size_t)n, "\0hook\0serve\0", 12) != NULL;
#else
    (void)fd;
    return 1;
#endif
}

static int python_env_ok(void) {
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "PYTHON", 6) != 0) continue;
        if (strncmp(*e, "PYTHONDONTWRITEBYTECODE=", 24) == 0) continue;
        if (strncmp(*e, "PYTHONUNBUFFERED=", 17) == 0) continue;
        return 0;
    }
    return 1;
}

static int write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

#define LIMIT_MAX 20 /* seconds: the launcher's own cap (below every harness's timeout) */
#define GREETING_MAX 5

/* TIMEOUT as the launcher accepts it: 1 to LIMIT_MAX, digits only, no leading zero; else 0. */
static int parse_limit(const char *text) {
    int value = 0;
    if (!*text || *text == '0') return 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        value = value * 10 + (*p - '0');
        if (value > LIMIT_MAX) return 0;
    }
    return value;
}

/* Connect without blocking: a full listen queue (a server that does not accept) is EAGAIN at
 * once; retried until `until`, then given up (97: the one-shot hook decides). */
static int connect_by(int fd, const struct sockaddr_un *addr, double until) {
    for (;;) {
        if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0) return 0;
        if (errno == EINPROGRESS) {
            if (wait_fd(fd, POLLOUT, until) != 1) return -1;
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) return -1;
            return 0;
        }
        if (errno != EAGAIN && errno != EINTR) return -1;
        if (now() + 0.01 > until) return -1;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

int main(int argc, char **argv) {
    if (argc < 4 || !python_env_ok()) return 96;
    const char *harness = argv[1], *state = argv[2];
    int limit = parse_limit(argv[3]);
    if (!limit) return 96;
    double deadline = now() + limit;
    double greeting = now() + (limit < GREETING_MAX ? limit : GREETING_MAX);

    char path[4096];
    if (snprintf(path, sizeof path, "%s/serve/hook.sock", state) >= (int)sizeof path) return 97;
    struct sockaddr_un addr;
    if (strlen(path) > sizeof addr.sun_path - 1) {
        struct stat st;
        if (stat(state, &st) != 0) return 97;
        snprintf(path, sizeof path, "/tmp/wg-hook-%u/%llx-%llx.sock", (unsigned)geteuid(),
                 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    if (!private_node(dir, S_IFDIR) || !private_node(path, S_IFSOCK)) return 97;
    char cwd[8192];
    if (!getcwd(cwd, sizeof cwd)) return 96;

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return 97;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path));
    if (connect_by(fd, &addr, greeting) != 0 || !peer_ok(fd)) return 97;
    char hello[6];
    size_t got = 0;
    while (got < sizeof hello) {
        if (wait_fd(fd, POLLIN, greeting) != 1) return 97;
        ssize_t n = read(fd, hello + got, sizeof hello - got);
        if (n <= 0) {
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            return 97;
        }
        got += (size_t)n;
    }
    if (memcmp(hello, "WGHS1\n", 6) != 0) return 97;

    /* From here on stdin is read: only the server's answer or a block. A pipe of 1 MB (Linux's
     * default limit for a user): the harness writes a large event at once instead of 64 KB per
     * wake-up of this process. */
#ifdef F_SETPIPE_SZ
    (void)fcntl(0, F_SETPIPE_SZ, 1 << 20);
#endif
    struct buf in = {0}, req = {0}, env = {0};
    static char chunk[1 << 20]; /* big reads: a 1 MB event in a few calls */
    for (;;) {
        int ready = wait_fd(0, POLLIN, deadline);
        if (ready == 0) return 98;
        if (ready < 0) return 99;
        ssize_t n = read(0, chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return 99;
        }
        if (put(&in, chunk, (size_t)n)) return 99;
    }
    mode_t mask = umask(0);
    umask(mask);
    char octal[16];
    int olen = snprintf(octal, sizeof octal, "%o", (unsigned)mask);
    for (char **e = environ; *e; e++) {
        if (env.len && put(&env, "", 1)) return 99;
        if (put(&env, *e, strlen(*e))) return 99;
    }
    if (put(&req, "WGRQ", 4) || put_field(&req, harness, strlen(harness)) ||
        put_field(&req, cwd, strlen(cwd)) || put_field(&req, octal, (size_t)olen) ||
        put_field(&req, env.data, env.len) || put_field(&req, in.data, in.len))
        return 99;
    size_t sent = 0;
    while (sent < req.len) {
        int ready = wait_fd(fd, POLLOUT, deadline);
        if (ready == 0) return 98;
        if (ready < 0) return 99;
        ssize_t n = send(fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return 99;
        }
        sent += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    struct buf ans = {0};
    for (;;) {
        int ready = wait_fd(fd, POLLIN, deadline);
        if (ready == 0) return 98;
        if (ready < 0) return 99;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return 99;
        }
        if (put(&ans, chunk, (size_t)n)) return 99;
    }
    if (ans.len < 16 || memcmp(ans.data, "WGAN", 4) != 0) return 99;
    uint32_t code = get32(ans.data + 4), out_len = get32(ans.data + 8);
    if ((size_t)out_len > ans.len - 16) return 99;
    uint32_t err_len = get32(ans.data + 12 + out_len);
    if ((size_t)16 + out_len + err_len != ans.len) return 99;
    if (code > 255 || (code >= 96 && code <= 99)) return 99;
    if (write_all(2, ans.data + 16 + out_len, err_len)) return 99;
    if ((code == 0 || code == 2) && write_all(1, ans.data + 12, out_len)) return 99;
    return (int)code;
}
