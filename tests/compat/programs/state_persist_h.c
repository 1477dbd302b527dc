/* state_persist_h.c -- the original's state_persist.h (compat/services.md
 * section 3): raw bytes in <base>/<name>/<key>. Built with pkg-config flags
 * only; works in a mkdtemp directory it removes. */
#define _DEFAULT_SOURCE
#include <microkernel/runtime.h>
#include <microkernel/state_persist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/mk_compat_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    runtime_t *rt = runtime_init(1, 8);
    char base[64];
    snprintf(base, sizeof base, "%s/state", dir);
    state_persist_init(rt, base);
    int ok = state_save(rt, "app", "cfg", "12345", 5) == 0;
    char path[128], buf[8] = {0};
    snprintf(path, sizeof path, "%s/app/cfg", base);
    FILE *f = fopen(path, "rb");
    ok = ok && f && fread(buf, 1, sizeof buf, f) == 5 && memcmp(buf, "12345", 5) == 0;
    if (f)
        fclose(f);
    ok = ok && state_load(rt, "app", "cfg", buf, 3) == 3;
    ok = ok && state_delete(rt, "app", "cfg") == 0 && state_load(rt, "app", "cfg", buf, 3) == -1;
    runtime_destroy(rt);
    snprintf(path, sizeof path, "%s/app", base);
    rmdir(path);
    rmdir(base);
    rmdir(dir);
    puts(ok ? "state_persist_h: ok" : "state_persist_h: FAILED");
    return ok ? 0 : 1;
}
