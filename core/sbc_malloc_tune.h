/* The daemon's malloc tuning (see sbc_malloc_tune.c). */
#ifndef SBC_MALLOC_TUNE_H
#define SBC_MALLOC_TUNE_H

/* Set in the environment by the re-exec; setting it beforehand (any value)
 * opts out. */
#define SBC_MALLOC_TUNED_ENV "SBCEMU_MALLOC_TUNED"

/* Re-executes the program once with glibc's per-thread cache enlarged,
 * unless done already or opted out. Call first in main; returns when it
 * does nothing (or cannot). */
void sbc_malloc_tune(char **argv);

#endif
