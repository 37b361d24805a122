/* bench/emu_token.h - the emulator's bearer token for the bench programs'
 * own requests (their floors read pages without the driver).
 *
 * Owns: bench_emu_token, shared by bench-cpu and bench-extract. */
#ifndef DV_BENCH_EMU_TOKEN_H
#define DV_BENCH_EMU_TOKEN_H

#include <stddef.h>

#include "tests/unit/emu.h"

/* Asks the emulator's token endpoint for an access token the way a
 * client-credentials client does (the test tenant, client id and secret)
 * and copies it into token (cap bytes).  0, or -1 when no token came. */
int bench_emu_token(struct emu *e, char *token, size_t cap);

#endif
