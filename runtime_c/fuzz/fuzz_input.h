/* The fuzzer's input: a 40-byte header that chooses how a program is run, then the
 * program file itself.
 *
 *   [0, 4)    "EFZ1"
 *   4         threads byte: the run uses 1 + byte % 3 tasks (a serial parallel-for)
 *   5 .. 7    reserved (0)
 *   [8, 40)   eight little-endian u32 picks, one per dynamic size (symbol) of a method:
 *             0xffffffff takes the symbol's maximum, any other v its min + v % (max - min + 1)
 *
 * An input without the "EFZ1" magic is a bare program, run at the maxima on one task
 * (so any .ember file is a valid input too). runtime_c/fuzz/differential.py reads the
 * same header to run the same sizes in the Python runtime. */
#ifndef EMBER_FUZZ_INPUT_H
#define EMBER_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_MAGIC "EFZ1"
#define FUZZ_HEADER_BYTES 40
#define FUZZ_PICKS 8
#define FUZZ_PICK_MAX 0xffffffffu

typedef struct fuzz_header {
    int32_t threads;                /* 1 .. 3 */
    uint32_t pick[FUZZ_PICKS];
} fuzz_header;

/* Splits an input into its header (or the defaults) and the program bytes. */
static inline void fuzz_split(const uint8_t *data, size_t size, fuzz_header *h, const uint8_t **prog,
                              size_t *prog_size) {
    h->threads = 1;
    for (int i = 0; i < FUZZ_PICKS; i++) h->pick[i] = FUZZ_PICK_MAX;
    *prog = data;
    *prog_size = size;
    if (size < FUZZ_HEADER_BYTES || memcmp(data, FUZZ_MAGIC, 4) != 0) return;
    h->threads = 1 + data[4] % 3;
    for (int i = 0; i < FUZZ_PICKS; i++) {
        const uint8_t *p = data + 8 + 4 * i;
        h->pick[i] = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    }
    *prog = data + FUZZ_HEADER_BYTES;
    *prog_size = size - FUZZ_HEADER_BYTES;
}

/* The value a pick gives a symbol of range [lo, hi] (1 <= lo <= hi, verified by the loader). */
static inline int64_t fuzz_pick(uint32_t pick, int64_t lo, int64_t hi) {
    if (pick == FUZZ_PICK_MAX) return hi;
    return lo + (int64_t)((uint64_t)pick % (uint64_t)(hi - lo + 1));
}

#endif /* EMBER_FUZZ_INPUT_H */
