/* \summary: the fuzz target's entry point, shared by libFuzzer, the replayer and test_fuzz_replay */
#ifndef VPCSIM_FUZZ_LOAD_H
#define VPCSIM_FUZZ_LOAD_H

#include <stddef.h>
#include <stdint.h>

/* Feeds one input to every text reader (see fuzz_load.c).  Returns 0; a
 * finding crashes, trips a sanitizer or aborts with a message. */
int fuzz_load_one(const uint8_t *data, size_t size);

#endif
