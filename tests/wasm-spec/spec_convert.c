/*
 * spec_convert.c -- turns a .wast into the command list run_root executes:
 * wabt's wast2json run in a child process and its JSON read back (a NUL in
 * a name carried past cJSON as a private-use character), or our WAST reader
 * (src/wasm/wat/wast.c) building the same JSON where wast2json cannot.
 * Called by main; writes modules only into the output folder it is given.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "microkernel/wat.h"
#include "spec_runner.h"
#include "wast.h"

static char g_nul_escape[7]; /* "\\uXXXX" standing in for "\\u0000" */
char g_nul_utf8[4];          /* its UTF-8 form after cJSON decodes it */

/* Choose a private-use code point (U+E000..U+F8FF) absent from `text`. */
static void pick_nul_standin(const char *text)
{
    for (unsigned cp = 0xE000; cp < 0xF900; cp++) {
        char lo[8], up[8];
        snprintf(lo, sizeof lo, "\\u%04x", cp);
        snprintf(up, sizeof up, "\\u%04X", cp);
        char u8[4] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
                      (char)(0x80 | (cp & 0x3F)), 0};
        if (!strstr(text, lo) && !strstr(text, up) && !strstr(text, u8)) {
            memcpy(g_nul_escape, lo, 7);
            memcpy(g_nul_utf8, u8, 4);
            return;
        }
    }
}

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

int run_wast2json(const char *tool, const char *wast, const char *json)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execlp(tool, tool, wast, "-o", json, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- our WAST reader (src/wasm/wat/wast.c) in wast2json's place ---- */

static cJSON *wast_value_json(const wast_value_t *v)
{
    cJSON *o = cJSON_CreateObject();
    char num[32];
    cJSON_AddStringToObject(o, "type", v->type);
    if (v->nan)
        cJSON_AddStringToObject(o, "value",
                                v->nan == WAST_NAN_CANONICAL ? "nan:canonical" : "nan:arithmetic");
    else if (v->null)
        cJSON_AddStringToObject(o, "value", "null");
    else if (!v->any) {
        snprintf(num, sizeof num, "%" PRIu64, v->bits);
        cJSON_AddStringToObject(o, "value", num);
    }
    return o;
}

static bool write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Read the .wast with wast_parse and build the JSON wast2json would have
 * written, with each module in dir as NAME.N.wasm (or .wat for text the
 * runner hands to wat_to_wasm itself). NULL with err set on a malformed
 * script or a write error. */
cJSON *wast_commands(const char *wast, const char *dir, const char *name, char *err, size_t err_cap)
{
    size_t len = 0;
    uint8_t *text = read_file(wast, &len);
    if (!text) {
        snprintf(err, err_cap, "cannot read %s", wast);
        return NULL;
    }
    wast_script_t sc;
    char perr[256];
    if (!wast_parse((const char *)text, len, &sc, perr, sizeof perr)) {
        snprintf(err, err_cap, "our WAST reader: %s:%s", name, perr);
        free(text);
        return NULL;
    }
    /* a NUL in an export name travels as a private-use character (see
     * pick_nul_standin): U+E000 if the script has no such bytes */
    memcpy(g_nul_utf8, "\xEE\x80\x80", 4);
    free(text);
    static const char *const kinds[] = {
        [WAST_MODULE] = "module",
        [WAST_REGISTER] = "register",
        [WAST_ACTION] = "action",
        [WAST_ASSERT_RETURN] = "assert_return",
        [WAST_ASSERT_TRAP] = "assert_trap",
        [WAST_ASSERT_EXHAUSTION] = "assert_exhaustion",
        [WAST_ASSERT_INVALID] = "assert_invalid",
        [WAST_ASSERT_MALFORMED] = "assert_malformed",
        [WAST_ASSERT_UNLINKABLE] = "assert_unlinkable",
        [WAST_ASSERT_UNINSTANTIABLE] = "assert_uninstantiable",
    };
    cJSON *root = cJSON_CreateObject();
    cJSON *cmds = cJSON_AddArrayToObject(root, "commands");
    bool ok = true;
    for (size_t i = 0; i < sc.n && ok; i++) {
        const wast_cmd_t *c = &sc.cmds[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(cmds, o);
        cJSON_AddStringToObject(o, "type", kinds[c->kind]);
        cJSON_AddNumberToObject(o, "line", c->line);
        if (c->name)
            cJSON_AddStringToObject(o, "name", c->name);
        if (c->as)
            cJSON_AddStringToObject(o, "as", c->as);
        if (c->text)
            cJSON_AddStringToObject(o, "text", c->text);
        if (c->module) {
            unsigned char *bin = c->module;
            size_t blen = c->module_len;
            bool is_text = c->module_text;
            unsigned char *conv = NULL;
            if (is_text && c->kind == WAST_MODULE &&
                wat_to_wasm((const char *)c->module, c->module_len, &conv, &blen, NULL, 0)) {
                bin = conv;
                is_text = false;
            }
            char file[64], path[4300];
            snprintf(file, sizeof file, "%s.%zu.%s", name, i, is_text ? "wat" : "wasm");
            snprintf(path, sizeof path, "%s/%s", dir, file);
            ok = write_bytes(path, bin, is_text ? c->module_len : blen);
            free(conv);
            if (!ok)
                snprintf(err, err_cap, "cannot write %.400s", path);
            cJSON_AddStringToObject(o, "filename", file);
            cJSON_AddStringToObject(o, "module_type", is_text ? "text" : "binary");
        }
        if (c->field) {
            cJSON *a = cJSON_AddObjectToObject(o, "action");
            cJSON_AddStringToObject(a, "type", c->get ? "get" : "invoke");
            if (c->action_module)
                cJSON_AddStringToObject(a, "module", c->action_module);
            char field[1024];
            size_t fl = 0;
            for (size_t k = 0; k < c->field_len && fl + 4 < sizeof field; k++) {
                if (c->field[k] == 0) {
                    memcpy(field + fl, g_nul_utf8, 3);
                    fl += 3;
                } else {
                    field[fl++] = (char)c->field[k];
                }
            }
            field[fl] = 0;
            cJSON_AddStringToObject(a, "field", field);
            cJSON *args = cJSON_AddArrayToObject(a, "args");
            for (size_t k = 0; k < c->nargs; k++)
                cJSON_AddItemToArray(args, wast_value_json(&c->args[k]));
            if (c->kind == WAST_ASSERT_RETURN) {
                cJSON *ex = cJSON_AddArrayToObject(o, "expected");
                for (size_t k = 0; k < c->nresults; k++)
                    cJSON_AddItemToArray(ex, wast_value_json(&c->results[k]));
            }
        }
    }
    wast_script_free(&sc);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Read wast2json's output, carrying "\\u0000" in names past cJSON. */
cJSON *read_json(const char *json)
{
    size_t len;
    char *text = (char *)read_file(json, &len);
    cJSON *root = NULL;
    if (text) {
        char *z = realloc(text, len + 1);
        if (z) {
            text = z;
            text[len] = '\0';
            /* cJSON strings end at NUL: carry "\\u0000" as a private-use
             * character the file does not otherwise contain */
            pick_nul_standin(text);
            char *fixed = malloc(len * 2 + 1);
            if (fixed) {
                size_t o = 0;
                for (size_t k = 0; k < len; k++) {
                    if (text[k] == '\\' && k + 1 < len && text[k + 1] == '\\') {
                        fixed[o++] = text[k++];
                        fixed[o++] = text[k];
                    } else if (k + 6 <= len && memcmp(text + k, "\\u0000", 6) == 0) {
                        memcpy(fixed + o, g_nul_escape, 6);
                        o += 6;
                        k += 5;
                    } else {
                        fixed[o++] = text[k];
                    }
                }
                fixed[o] = '\0';
                free(text);
                text = fixed;
            }
            root = cJSON_Parse(text);
        }
    }
    free(text);
    return root;
}
