/* SPDX-License-Identifier: GPL-2.0-or-later
 * commands.h — the CLI's sub-commands. Each takes argv with argv[0] = the
 * command's name and returns the process exit code:
 * 0 ok, 1 usage, 2 bad input, 3 output failure, 4 partial batch. */
#ifndef PT_CLI_COMMANDS_H
#define PT_CLI_COMMANDS_H

#include <signal.h> /* sig_atomic_t */

enum {
    PT_EXIT_OK = 0,
    PT_EXIT_USAGE = 1,
    PT_EXIT_INPUT = 2,
    PT_EXIT_OUTPUT = 3,
    PT_EXIT_PARTIAL = 4
};

int pt_cmd_process(int argc, char **argv);
int pt_cmd_batch(int argc, char **argv);
int pt_cmd_info(int argc, char **argv);
int pt_cmd_simulate(int argc, char **argv);
int pt_cmd_load(int argc, char **argv);
int pt_cmd_report(int argc, char **argv);
int pt_cmd_collate(int argc, char **argv);
int pt_cmd_export(int argc, char **argv);

/* After a usage error: one line pointing at the command's --help (not the whole help). */
void pt_cli_try_help(const char *cmd);

/* Map a pt_status from the library to an exit code (input errors -> 2, I/O -> 3). */
int pt_cli_exit_code(int status);
/* Set to the signal's number by SIGINT, SIGTERM or SIGHUP (main installs the handlers, one
 * shot: a second signal kills at once). process and batch pass it as their cancel flag, so
 * they stop before the next block and leave no temporary file; the exit code is 128 + it. */
extern volatile sig_atomic_t pt_cli_signal;

#endif
