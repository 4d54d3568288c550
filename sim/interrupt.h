/* \summary: SIGINT, SIGTERM and SIGHUP stop a command cleanly, then end it by that signal */
#ifndef VPCSIM_INTERRUPT_H
#define VPCSIM_INTERRUPT_H

/*
 * A command that writes files installs these handlers before it opens any:
 * the signal only sets interrupt_flag, which the run checks between slices
 * of simulated time (world_run, net_run).  The command then stops at the
 * current simulated time, publishes its captures complete, writes its
 * report marked partial, and main() ends the process by the same signal
 * (interrupt_reraise), so the parent sees "terminated by SIGINT" (a shell
 * reports 128+N, 130 for Ctrl-C, and a shell loop stops instead of going
 * on to the next command).  Further signals while it finishes are ignored
 * (SIGKILL still ends it at once).
 */

/* Set to 1 by the first SIGINT, SIGTERM or SIGHUP after interrupt_install(). */
extern volatile int interrupt_flag;

void interrupt_install(void);
/* The signal caught first, 0 if none. */
int interrupt_signal(void);
/* "SIGINT", "SIGTERM", "SIGHUP" (the caught one), or "a signal". */
const char *interrupt_name(void);
/* If a signal was caught: flushes stdio, restores the signal's default
 * action and raises it (does not return).  Otherwise does nothing. */
void interrupt_reraise(void);

#endif
