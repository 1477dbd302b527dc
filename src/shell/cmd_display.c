/*
 * cmd_display.c -- `snapshot <file.png>`: write what the node's display
 * (/node/hardware/display, docs/display.md) shows as a PNG file, the way a
 * person looks at a panel that is not attached.
 *
 * Runs on the shell's turn of the runtime thread and reads the display's
 * memory framebuffer directly (one PNG encode, no message round trip).
 */
#include "microkernel/display.h"
#include "shell/shell_internal.h"

shell_result_t cmd_snapshot(shell_t *sh, const shell_args_t *args, const char *line, size_t len)
{
    (void)line;
    (void)len;
    const char *path = args->argv[1];
    const display_board_t *board = display_get_board(sh->rt);
    if (!board)
        return sh_error(sh, "no display on this node (start mk-shell with --display BOARD)");
    if (!display_snapshot_png(sh->rt, path))
        return sh_error(sh, "%s", mk_last_error());
    sh_printf(sh, "wrote %s (%ux%u, %s)\n", path, board->width, board->height, board->name);
    return SHELL_DONE;
}
