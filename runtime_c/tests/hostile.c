/* Hostile-file harness: mutates a valid program many ways and feeds every
 * mutant through load, init, set_input and run. Each mutant must be rejected
 * with a message or run to completion; a crash, hang or sanitizer report fails
 * the test (build with `make SANITIZE=1`).
 *
 *   hostile PROGRAM FB_BYTES [SEED [BUDGET [MAX_RUNS]]]
 *
 * BUDGET (default 4000) caps the targeted mutants: positions are visited with a
 * stride (starting at an offset drawn from SEED) so large files stay fast; the
 * default seed sweeps a different subset than another seed would.
 * FB_BYTES is where the constant segment starts (the FlatBuffer part), where
 * the targeted corruptions go: every 4-byte word set to 0, -1, INT32_MAX, +-4
 * and +-64 (offsets, lengths, indices), and every byte set to 0xff, 0x80 and
 * +1 (enum values, small fields), plus truncation at many lengths and 1000
 * random byte flips over the whole file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ember.h"

#define MAX_METHOD_BYTES ((size_t)256 << 20)
#define MAX_INPUTS 16

typedef struct stats { long mutants, load, init, input, run, ran, prepared, silent; } stats;

/* Running a mutant costs a full inference (slow for the CNNs under ASan): every
 * 4th accepted mutant runs, up to max_runs (argument 5, default 250); the others
 * are loaded and prepared only. */
static long max_runs = 250, accepted;

static unsigned char *original, *work, *method_mem;
static size_t file_size;
static void *inputs[MAX_INPUTS];
static ember_tensor_info input_info[MAX_INPUTS];
static int n_inputs;

static uint64_t rng_state;
static uint32_t rnd(void) {    /* xorshift64*: deterministic for a seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static int noisy(const char *message) { return message != NULL && message[0] != 0; }

/* One mutant of `size` bytes already in `work`. */
static void feed(size_t size, stats *st, const char *what) {
    static ember_program_storage prog_mem;
    ember_program *prog = NULL;
    ember_method *m = NULL;
    size_t need = 0;
    st->mutants++;
    if (ember_program_load(&prog_mem, sizeof prog_mem, work, size, &prog) != EMBER_OK) {
        st->load++;
        if (!noisy(ember_program_message(prog))) { st->silent++; fprintf(stderr, "silent load rejection: %s\n", what); }
        return;
    }
    if (ember_method_memory_size(prog, "forward", &need) != EMBER_OK || need > MAX_METHOD_BYTES) {
        st->init++;
        return;
    }
    if (ember_method_init(prog, "forward", method_mem, need, &m) != EMBER_OK) {
        st->init++;
        if (!noisy(ember_method_message(m))) { st->silent++; fprintf(stderr, "silent init rejection: %s\n", what); }
        return;
    }
    if (accepted++ % 4 != 0 || st->ran + st->run >= max_runs) {
        st->prepared++;
        return;
    }
    for (int j = 0; j < n_inputs && j < ember_method_input_count(m); j++) {
        const ember_tensor_info *t = &input_info[j];
        if (ember_method_set_input(m, j, t->dtype, t->shape, t->rank, inputs[j], t->nbytes) != EMBER_OK) {
            st->input++;
            if (!noisy(ember_method_message(m))) { st->silent++; fprintf(stderr, "silent input rejection: %s\n", what); }
            return;
        }
    }
    if (ember_method_run(m) != EMBER_OK) {
        st->run++;
        if (!noisy(ember_method_message(m))) { st->silent++; fprintf(stderr, "silent run rejection: %s\n", what); }
        return;
    }
    for (int j = 0; j < ember_method_output_count(m); j++) {
        ember_tensor_info out;
        if (ember_method_output(m, j, &out) != EMBER_OK) { st->silent++; return; }
    }
    st->ran++;
}

static void reset(void) { memcpy(work, original, file_size); }

int main(int argc, char **argv) {
    stats st;
    char what[128];
    memset(&st, 0, sizeof st);
    if (argc < 3) {
        fprintf(stderr, "usage: hostile PROGRAM FB_BYTES [SEED [BUDGET [MAX_RUNS]]]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) return 2;
    fseek(f, 0, SEEK_END);
    file_size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t fb_bytes = (size_t)strtoull(argv[2], NULL, 10);
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) * 2654435761u + 1 : 88172645463325252ull;
    size_t budget = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 4000;
    if (argc > 5) max_runs = strtol(argv[5], NULL, 10);
    if (fb_bytes > file_size) fb_bytes = file_size;
    /* targeted mutants per FlatBuffer byte: 7 per word (7/4) + 3 per byte */
    size_t stride = budget ? (fb_bytes * 19 / 4 + budget - 1) / budget : 1;
    if (stride < 1) stride = 1;
    if (posix_memalign((void **)&original, 64, file_size) != 0 || posix_memalign((void **)&work, 64, file_size) != 0 ||
        posix_memalign((void **)&method_mem, 64, MAX_METHOD_BYTES) != 0 ||
        fread(original, 1, file_size, f) != file_size)
        return 2;
    fclose(f);

    /* The original must load and run; its bundled inputs feed every mutant. */
    {
        static ember_program_storage prog_mem;
        ember_program *prog;
        ember_method *m;
        size_t need;
        if (ember_program_load(&prog_mem, sizeof prog_mem, original, file_size, &prog) != EMBER_OK ||
            ember_method_memory_size(prog, "forward", &need) != EMBER_OK || need > MAX_METHOD_BYTES ||
            ember_method_init(prog, "forward", method_mem, need, &m) != EMBER_OK) {
            fprintf(stderr, "hostile: the unmodified program does not load: %s\n", ember_program_message(prog));
            return 2;
        }
        n_inputs = ember_method_input_count(m);
        if (n_inputs > MAX_INPUTS || ember_method_test_case_count(m) < 1) return 2;
        for (int j = 0; j < n_inputs; j++) {
            if (ember_method_test_case_tensor(m, 0, 0, j, &input_info[j], NULL, NULL) != EMBER_OK) return 2;
            if (posix_memalign(&inputs[j], 64, input_info[j].nbytes + 64) != 0) return 2;
            memcpy(inputs[j], input_info[j].data, input_info[j].nbytes);
        }
    }

    /* 1. truncation: every length below 256, then 300 lengths spread over the file */
    for (size_t len = 0; len < file_size; len += len < 256 ? 1 : (file_size / 300 + 1)) {
        reset();
        snprintf(what, sizeof what, "truncated to %zu", len);
        feed(len, &st, what);
    }
    size_t start = rnd() % stride;
    /* 2. random flips: 1 to 4 bytes, mostly in the FlatBuffer part */
    for (int k = 0; k < 1000; k++) {
        reset();
        int flips = 1 + (int)(rnd() % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = rnd() % 10 < 9 && fb_bytes ? rnd() % fb_bytes : rnd() % file_size;
            work[at] ^= (unsigned char)(1u + rnd() % 255u);
        }
        snprintf(what, sizeof what, "random flips #%d", k);
        feed(file_size, &st, what);
    }
    /* 3. targeted: every word and byte of the FlatBuffer part */
    static const int64_t word_values[] = {0, -1, 0x7fffffff, 4, -4, 64, -64};
    for (size_t at = 4 * start; at + 4 <= fb_bytes; at += 4 * stride) {
        uint32_t w;
        memcpy(&w, original + at, 4);
        for (size_t v = 0; v < sizeof word_values / sizeof word_values[0]; v++) {
            uint32_t nw = v < 3 ? (uint32_t)word_values[v] : w + (uint32_t)word_values[v];
            reset();
            memcpy(work + at, &nw, 4);
            snprintf(what, sizeof what, "word at %zu = 0x%08x", at, (unsigned)nw);
            feed(file_size, &st, what);
        }
    }
    static const int byte_values[] = {0xff, 0x80, -1};
    for (size_t at = start; at < fb_bytes; at += stride) {
        for (size_t v = 0; v < 3; v++) {
            reset();
            work[at] = (unsigned char)(byte_values[v] >= 0 ? byte_values[v] : original[at] + 1);
            snprintf(what, sizeof what, "byte at %zu = 0x%02x", at, work[at]);
            feed(file_size, &st, what);
        }
    }
    printf("%s: %ld mutants: rejected at load %ld, init %ld, input %ld, run %ld; ran %ld; prepared %ld; "
           "silent %ld\n", argv[1], st.mutants, st.load, st.init, st.input, st.run, st.ran, st.prepared, st.silent);
    return st.silent ? 1 : 0;
}
