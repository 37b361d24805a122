/* textfold.h - text compared the way the service compares it.
 *
 * Owns: the case- and accent-insensitive, blank-padded comparison used
 * wherever text is compared locally (the DVNOCASE collation, LIKE, the join
 * index's hash), so all of them agree with each other and with the service;
 * and Unicode upper() / lower(). */
#ifndef DV_ENGINE_TEXTFOLD_H
#define DV_ENGINE_TEXTFOLD_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* textfold_cp's answer for a combining mark, which comparisons skip. */
#define TEXTFOLD_IGNORED 0xFFFFFFFFu

/* What code point cp compares as: its base letter, case-folded ('É' -> 'e'),
 * or TEXTFOLD_IGNORED for a combining diacritical mark. */
uint32_t textfold_cp(uint32_t cp);
/* The simple Unicode uppercase / lowercase of cp, or cp. */
uint32_t textfold_upper_cp(uint32_t cp);
uint32_t textfold_lower_cp(uint32_t cp);
/* Decodes one UTF-8 code point at s (n bytes left, n > 0); *used = bytes
 * consumed.  An invalid byte is returned as 0x110000 + byte. */
uint32_t textfold_next(const unsigned char *s, size_t n, size_t *used);
/* Compares a and b after folding, marks and trailing blanks ignored
 * (<0, 0, >0). */
int textfold_cmp(const char *a, size_t na, const char *b, size_t nb);
/* A 64-bit hash of the folded text: equal under textfold_cmp -> equal hash. */
uint64_t textfold_hash(const char *s, size_t n);
/* Registers the DVNOCASE collation, a like() that folds the same way
 * (LIKE's '_' matches one character; ESCAPE supported) and upper() and
 * lower() with Unicode case mappings. */
int textfold_register(sqlite3 *db);

#endif
