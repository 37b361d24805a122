/* textfold.h - case-insensitive text the way the service sees it.
 *
 * Owns: the simple Unicode case fold used wherever text is compared
 * locally (the DVNOCASE collation, LIKE, the join index's hash), so the
 * three always agree. */
#ifndef DV_ENGINE_TEXTFOLD_H
#define DV_ENGINE_TEXTFOLD_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* The lower-case partner of code point cp under the simple case map
 * (ASCII, Latin-1 Supplement, Latin Extended-A, Greek, Cyrillic), or cp. */
uint32_t textfold_cp(uint32_t cp);
/* Decodes one UTF-8 code point at s (n bytes left, n > 0); *used = bytes
 * consumed.  An invalid byte is returned as 0x110000 + byte. */
uint32_t textfold_next(const unsigned char *s, size_t n, size_t *used);
/* Compares a and b code point by code point after folding (<0, 0, >0). */
int textfold_cmp(const char *a, size_t na, const char *b, size_t nb);
/* A 64-bit hash of the folded text: equal under textfold_cmp -> equal hash. */
uint64_t textfold_hash(const char *s, size_t n);
/* Registers the DVNOCASE collation and a like() that folds the same way
 * (LIKE's '_' matches one code point; ESCAPE supported). */
int textfold_register(sqlite3 *db);

#endif
