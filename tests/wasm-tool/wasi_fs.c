/* wasi_fs.c -- file-system, sleep and stdin behaviour of a wasm32-wasi
 * command, built both natively and with wasi-libc and run by
 * wasi_fs_test.sh: the two outputs and exit codes must be identical.
 *   wasi_fs fs DIR      files, directories, links, stat, times, readdir
 *   wasi_fs sleep       nanosleep (poll_oneoff clock) and clocks
 *   wasi_fs stdin       poll() and read() on stdin (a pipe)
 *   wasi_fs escape DIR  open/mkdir/symlink attempts leaving DIR: errno
 *   wasi_fs ro DIR      writes into a read-only preopen: errno
 * Only names relative to DIR are printed, errno by name. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e)
{
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    case EXDEV: return "EXDEV";
    case ESPIPE: return "ESPIPE";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

static char g_base[1024];

static const char *at(const char *rel)
{
    static char buf[2][1100];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_base, rel);
    return buf[k];
}

#define CHECK(what, expr)                                                                          \
    do {                                                                                           \
        errno = 0;                                                                                 \
        int r_ = (expr);                                                                           \
        printf("%s: %s\n", what, r_ < 0 ? ename(errno) : "OK");                                    \
    } while (0)

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List a directory sorted, skipping "." and "..". */
static void list(const char *rel)
{
    DIR *d = opendir(at(rel));
    if (!d) {
        printf("opendir %s: %s\n", rel, ename(errno));
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp);
    printf("ls %s (%d):", rel, n);
    for (int i = 0; i < n; i++) {
        if (n <= 8 || i < 3 || i >= n - 2)
            printf(" %s", names[i]);
        else if (i == 3)
            printf(" ...");
        free(names[i]);
    }
    printf("\n");
}

static void fs(void)
{
    CHECK("mkdir d", mkdir(at("d"), 0755));
    CHECK("mkdir d again", mkdir(at("d"), 0755));
    FILE *f = fopen(at("d/a.txt"), "w");
    printf("fopen w: %s\n", f ? "OK" : ename(errno));
    if (!f)
        return;
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    struct stat st;
    CHECK("stat a", stat(at("d/a.txt"), &st));
    printf("size=%lld reg=%d dir=%d\n", (long long)st.st_size, S_ISREG(st.st_mode),
           S_ISDIR(st.st_mode));
    int fd = open(at("d/a.txt"), O_RDWR);
    char buf[64] = {0};
    printf("pread=%zd ", pread(fd, buf, 6, 7));
    printf("[%.6s]\n", buf);
    printf("pwrite=%zd\n", pwrite(fd, "LINE", 4, 0));
    printf("lseek end=%lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("lseek set=%lld\n", (long long)lseek(fd, 5, SEEK_SET));
    printf("read=%zd [%.4s]\n", read(fd, buf, 4), buf);
    CHECK("ftruncate", ftruncate(fd, 20));
    CHECK("fstat", fstat(fd, &st));
    printf("size=%lld\n", (long long)st.st_size);
    CHECK("fsync", fsync(fd));
    struct timespec ts[2] = {{1000000000, 0}, {1234567890, 500}};
    CHECK("futimens", futimens(fd, ts));
    CHECK("fstat", fstat(fd, &st));
    printf("mtime=%lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    close(fd);
    fd = open(at("d/a.txt"), O_WRONLY | O_APPEND);
    printf("append=%zd\n", write(fd, "tail\n", 5));
    close(fd);
    CHECK("stat a", stat(at("d/a.txt"), &st));
    printf("size=%lld\n", (long long)st.st_size);
    CHECK("open excl", open(at("d/a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    CHECK("open missing", open(at("d/nope"), O_RDONLY));
    CHECK("open dir as file", open(at("d/a.txt/x"), O_RDONLY));
    CHECK("rename a b", rename(at("d/a.txt"), at("d/b.txt")));
    CHECK("stat a", stat(at("d/a.txt"), &st));
    CHECK("symlink l", symlink("b.txt", at("d/l")));
    char lbuf[64] = {0};
    printf("readlink=%zd [%s]\n", readlink(at("d/l"), lbuf, sizeof lbuf - 1), lbuf);
    CHECK("lstat l", lstat(at("d/l"), &st));
    printf("islnk=%d\n", S_ISLNK(st.st_mode));
    CHECK("stat l", stat(at("d/l"), &st));
    printf("size=%lld reg=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    CHECK("open nofollow", open(at("d/l"), O_RDONLY | O_NOFOLLOW));
    CHECK("link c", link(at("d/b.txt"), at("d/c.txt")));
    CHECK("stat b", stat(at("d/b.txt"), &st));
    printf("nlink=%d\n", (int)st.st_nlink);
    CHECK("mkdir d/sub", mkdir(at("d/sub"), 0755));
    list("d");
    CHECK("rmdir d (not empty)", rmdir(at("d")));
    CHECK("unlink d/sub (dir)", unlink(at("d/sub")));
    CHECK("rmdir d/sub", rmdir(at("d/sub")));
    CHECK("rmdir d/b.txt (file)", rmdir(at("d/b.txt")));
    /* enough long names that readdir needs several fd_readdir calls */
    for (int i = 0; i < 300; i++) {
        char name[160];
        snprintf(name, sizeof name,
                 "d/file-%03d-with-a-rather-long-name-so-that-the-directory-listing-does-not-fit"
                 "-in-one-buffer",
                 i);
        int k = open(at(name), O_CREAT | O_WRONLY, 0644);
        if (k < 0) {
            printf("create %d: %s\n", i, ename(errno));
            return;
        }
        close(k);
    }
    list("d");
    /* telldir / seekdir go back to the same entry (dirent cookies) */
    DIR *dp = opendir(at("d"));
    for (int i = 0; i < 100; i++)
        readdir(dp);
    long pos = telldir(dp);
    char first[256];
    snprintf(first, sizeof first, "%s", readdir(dp)->d_name);
    for (int i = 0; i < 150; i++)
        readdir(dp);
    seekdir(dp, pos);
    printf("seekdir same=%d\n", strcmp(first, readdir(dp)->d_name) == 0);
    closedir(dp);
    for (int i = 0; i < 300; i++) {
        char name[160];
        snprintf(name, sizeof name,
                 "d/file-%03d-with-a-rather-long-name-so-that-the-directory-listing-does-not-fit"
                 "-in-one-buffer",
                 i);
        unlink(at(name));
    }
    CHECK("unlink c", unlink(at("d/c.txt")));
    CHECK("unlink l", unlink(at("d/l")));
    CHECK("unlink b", unlink(at("d/b.txt")));
    CHECK("rmdir d", rmdir(at("d")));
    list(".");
}

static void do_sleep(void)
{
    struct timespec a, b, d = {0, 30 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK("nanosleep", nanosleep(&d, NULL));
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long ns = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
    printf("slept at least 30ms: %d\n", ns >= 30000000ll);
    CHECK("usleep", usleep(1000));
    struct pollfd none;
    printf("poll timeout=%d\n", poll(&none, 0, 10));
}

static void do_stdin(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    int r = poll(&p, 1, 5000);
    printf("poll=%d in=%d\n", r, (p.revents & POLLIN) != 0);
    char buf[256];
    size_t total = 0;
    ssize_t k;
    while ((k = read(0, buf, sizeof buf)) > 0)
        total += (size_t)k;
    printf("read total=%zu last=%zd\n", total, k);
    printf("isatty0=%d lseek0=%s\n", isatty(0), lseek(0, 0, SEEK_CUR) < 0 ? ename(errno) : "OK");
}

static void escape(void)
{
    CHECK("open ../x", open(at("../x"), O_RDONLY));
    CHECK("open sub/../../x", open(at("sub/../../x"), O_RDONLY));
    CHECK("open outlink/passwd", open(at("outlink/passwd"), O_RDONLY));
    CHECK("open uplink/etc/passwd", open(at("uplink/etc/passwd"), O_RDONLY));
    CHECK("mkdir ../y", mkdir(at("../y"), 0755));
    CHECK("mkdir outlink/y", mkdir(at("outlink/y"), 0755));
    struct stat st;
    CHECK("stat ..", stat(at(".."), &st));
    CHECK("stat outlink/passwd", stat(at("outlink/passwd"), &st));
    CHECK("symlink then open",
          (symlink("../../..", at("mine")), open(at("mine/etc/passwd"), O_RDONLY)));
    CHECK("rename out", rename(at("sub"), at("../sub")));
    CHECK("open sub/../inside", open(at("sub/../inside"), O_RDONLY));
}

static void ro(void)
{
    CHECK("open inside", open(at("inside"), O_RDONLY));
    CHECK("create", open(at("new"), O_WRONLY | O_CREAT, 0644));
    CHECK("truncate", open(at("inside"), O_WRONLY | O_TRUNC));
    int fd = open(at("inside"), O_WRONLY);
    CHECK("write", fd < 0 ? fd : (int)write(fd, "x", 1));
    CHECK("mkdir", mkdir(at("dd"), 0755));
    CHECK("unlink", unlink(at("inside")));
    CHECK("rename", rename(at("inside"), at("other")));
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    if (argc > 2)
        snprintf(g_base, sizeof g_base, "%s", argv[2]);
    if (!strcmp(argv[1], "fs"))
        fs();
    else if (!strcmp(argv[1], "sleep"))
        do_sleep();
    else if (!strcmp(argv[1], "stdin"))
        do_stdin();
    else if (!strcmp(argv[1], "escape"))
        escape();
    else if (!strcmp(argv[1], "ro"))
        ro();
    else
        return 2;
    return 3;
}
