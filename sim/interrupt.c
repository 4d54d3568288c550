/* \summary: SIGINT, SIGTERM and SIGHUP stop a command cleanly, then end it by that signal */
#include "interrupt.h"

#include <signal.h>
#include <stdio.h>

volatile int interrupt_flag;
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	if (!caught)
		caught = sig;
	interrupt_flag = 1;
}

void interrupt_install(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	/* SA_RESTART: a report being written to a slow pipe when the signal
	 * comes must not fail with EINTR half-way. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

int interrupt_signal(void)
{
	return caught;
}

const char *interrupt_name(void)
{
	switch (caught) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default: return "a signal";
	}
}

void interrupt_reraise(void)
{
	int sig = caught;
	if (!sig)
		return;
	fflush(NULL);
	struct sigaction sa = { 0 };
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}
