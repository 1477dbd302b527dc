/* A header for the doc-comment checker's own test (tests/packaging): one
 * documented function, one group comment over two (the second one counts as
 * undocumented), one without a comment. */
#ifndef MK_DOC_FIXTURE_H
#define MK_DOC_FIXTURE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Documented: returns true. */
bool documented_fn(void);

/* A group comment covers only the declaration right below it. */
int grouped_first(int a);
int grouped_second(int a);

typedef struct {
    int (*callback)(int); /* a member, not a function */
} fixture_t;

void undocumented_fn(const char *s);

#ifdef __cplusplus
}
#endif

#endif
