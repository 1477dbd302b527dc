/* message_h.c -- the original's message.h (compat/index.md, issue 14
 * section 3): message_create's payload is a malloc block freed by free(3),
 * which a caller may take. Built with pkg-config flags only. */
#include <microkernel/message.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    message_t *m = message_create(1, 2, 3, "abc", 4);
    int ok = m && m->source == 1 && m->dest == 2 && m->type == 3 && m->payload_size == 4 &&
             m->free_payload == free && strcmp(m->payload, "abc") == 0;
    char *taken = m ? m->payload : NULL;
    if (m)
        m->payload = NULL; /* take it */
    message_destroy(m);
    free(taken);
    puts(ok ? "message_h: ok" : "message_h: FAILED");
    return ok ? 0 : 1;
}
