/* libFuzzer target: one input (fuzz_input.h: a header, then a program file) through
 * load, memory sizing, init, set_input at the sizes the header picks, run on 1-3 tasks
 * (twice when the program has state: the second run sees the first one's updates, as a
 * decode step would), outputs and bundled test cases. Any crash or sanitizer report is a finding, and so is
 * a rejection without a message (the API promises one) or an output whose size does not
 * match its shape. The structure-aware mutator is in mutator.c.
 *
 * Built by `make -C runtime_c fuzz` (clang, -fsanitize=fuzzer,address,undefined).
 * The harness reads the method's dynamic sizes from the library's internal handle
 * (handles.h) to set inputs that are consistent with them, as an app would. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "../src/handles.h"
#include "ember.h"
#include "fuzz_input.h"

/* Programs whose method needs more memory are loaded and sized only (fuzzing speed);
 * a run is attempted when the arena is at most RUN_ARENA_BYTES. */
#define MAX_METHOD_BYTES ((size_t)64 << 20)
#define RUN_ARENA_BYTES ((uint64_t)4 << 20)

static void *aligned(size_t bytes) {
    void *p = NULL;
    return posix_memalign(&p, 64, (bytes + 63) / 64 * 64 + 64) == 0 ? p : NULL;
}

static void finding(const char *what, const char *message) {
    fprintf(stderr, "FINDING: %s (message: '%s')\n", what, message ? message : "(null)");
    abort();
}

/* A serial parallel-for: tasks in reverse order, so a kernel that depends on the order
 * of its tasks shows it (results must not depend on the split). */
static void serial_for(void *pool, int32_t count, ember_task_fn task, void *ctx) {
    (void)pool;
    for (int32_t i = count - 1; i >= 0; i--) task(ctx, i);
}

static uint32_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

/* Deterministic input data: floats in [-4, 4) in steps of 1/8, small integers (indices
 * are mostly in range), any byte for int8/uint8, 0/1 for bool. */
static void fill(void *data, ember_dtype dtype, int64_t count, int32_t input) {
    for (int64_t i = 0; i < count; i++) {
        uint32_t r = mix((uint64_t)i * 0x9e3779b97f4a7c15ull + (uint64_t)input);
        switch (dtype) {
        case EMBER_DTYPE_FLOAT32: ((float *)data)[i] = (float)((int32_t)(r % 64) - 32) / 8.0f; break;
        case EMBER_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)(r & 0xff); break;
        case EMBER_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)(r & 0xff); break;
        case EMBER_DTYPE_INT32: ((int32_t *)data)[i] = (int32_t)(r % 11) - 2; break;
        case EMBER_DTYPE_INT64: ((int64_t *)data)[i] = (int64_t)(r % 11) - 2; break;
        case EMBER_DTYPE_BOOL: ((uint8_t *)data)[i] = (uint8_t)(r & 1); break;
        case EMBER_DTYPE_FLOAT16: ((uint16_t *)data)[i] = ember_double_to_half(((int32_t)(r % 64) - 32) / 8.0); break;
        case EMBER_DTYPE_FLOAT64: ((double *)data)[i] = ((int32_t)(r % 64) - 32) / 8.0; break;
        }
    }
}

/* Sets every input at the sizes the header picks; 0 when an input was rejected. */
static int set_inputs(ember_method *m, const fuzz_header *h, void **buffers) {
    int64_t sym[EMBER_MAX_SYMBOLS];
    for (int s = 0; s < m->n_symbols; s++) sym[s] = fuzz_pick(h->pick[s % FUZZ_PICKS], m->sym_min[s], m->sym_max[s]);
    for (int32_t i = 0; i < ember_method_input_count(m); i++) {
        ember_tensor_info info;
        char scratch[8];
        ember_error quiet = {scratch, sizeof scratch};
        if (ember_method_input_info(m, i, &info) != EMBER_OK) finding("input_info failed", ember_method_message(m));
        const ember_tensor *t = &m->tensors[m->indices[i]];
        int64_t shape[EMBER_MAX_RANK], count = 1;
        memcpy(shape, info.shape, sizeof shape);
        ember_dim_ref r = ember_dim_ref_of(t, m->n_symbols);
        if (t->dims != 0 && ember_eval_dims(&m->program->f, &r, sym, 0, shape, &quiet, "") != EMBER_OK)
            return 0;   /* the set_input below would say why; nothing to fill */
        for (int d = 0; d < info.rank; d++) count *= shape[d];
        size_t nbytes = (size_t)count * ember_dtype_size(info.dtype);
        buffers[i] = malloc(nbytes ? nbytes : 1);
        if (buffers[i] == NULL) return 0;
        fill(buffers[i], info.dtype, count, i);
        if (ember_method_set_input(m, i, info.dtype, shape, info.rank, buffers[i], nbytes) != EMBER_OK) {
            if (ember_method_message(m)[0] == 0) finding("set_input rejected without a message", "");
            return 0;
        }
    }
    return 1;
}

static void check_outputs(ember_method *m) {
    for (int32_t j = 0; j < ember_method_output_count(m); j++) {
        ember_tensor_info out;
        if (ember_method_output(m, j, &out) != EMBER_OK) finding("output after a run failed", ember_method_message(m));
        int64_t count = 1;
        for (int d = 0; d < out.rank; d++) count *= out.shape[d];
        if (out.nbytes != (size_t)count * ember_dtype_size(out.dtype)) finding("output size != its shape", "");
        volatile uint8_t sum = 0;      /* every output byte is read: ASan checks the region */
        for (size_t b = 0; b < out.nbytes; b++) sum ^= ((const uint8_t *)out.data)[b];
        (void)sum;
    }
}

/* The program's state block (schema 2.4), shared by its methods as an app would; NULL when it
 * has none or it is too big to fuzz quickly. */
static void *new_state(const ember_program *prog) {
    size_t bytes = ember_program_state_size(prog);
    if (bytes == 0 || bytes > RUN_ARENA_BYTES) return NULL;
    void *state = aligned(bytes);
    if (state == NULL) return NULL;
    if (ember_program_state_init(prog, state, bytes) != EMBER_OK) finding("state init failed on a loaded program", "");
    return state;
}

static void run_method(const ember_program *prog, const char *name, const fuzz_header *h, void *state) {
    size_t need = 0;
    ember_method *m = NULL;
    if (ember_method_memory_size_threads(prog, name, h->threads, &need) != EMBER_OK || need > MAX_METHOD_BYTES) return;
    void *mem = aligned(need);
    if (mem == NULL) return;
    if (ember_method_init(prog, name, mem, need, &m) != EMBER_OK) {
        if (m == NULL || ember_method_message(m)[0] == 0) finding("init rejected without a message", "");
        free(mem);
        return;
    }
    if (h->threads > 1 && ember_method_set_threads(m, h->threads, serial_for, NULL) != EMBER_OK)
        finding("set_threads failed with the memory sized for it", ember_method_message(m));
    size_t state_bytes = ember_program_state_size(prog);
    if (state != NULL && ember_method_set_state(m, state, state_bytes) != EMBER_OK)
        finding("set_state refused the program's own block", ember_method_message(m));
    for (int32_t c = 0; c < ember_method_test_case_count(m); c++)
        for (int kind = 0; kind < 2; kind++)
            for (int32_t j = 0;; j++) {
                ember_tensor_info info;
                float atol, rtol;
                if (ember_method_test_case_tensor(m, c, kind, j, &info, &atol, &rtol) != EMBER_OK) break;
            }
    void *buffers[64] = {0};
    int32_t n_in = ember_method_input_count(m);
    int runs = state != NULL ? 2 : 1;   /* with state: a second run on the updated state */
    if (state_bytes > 0 && state == NULL) runs = 0;   /* too much state to fuzz quickly */
    for (int r = 0; r < runs && m->arena_size <= RUN_ARENA_BYTES && n_in <= 64; r++) {
        for (int32_t i = 0; i < 64; i++) {
            free(buffers[i]);
            buffers[i] = NULL;
        }
        if (!set_inputs(m, h, buffers)) break;
        if (ember_method_run(m) == EMBER_OK)
            check_outputs(m);
        else if (ember_method_message(m)[0] == 0)
            finding("run failed without a message", "");
    }
    for (int32_t i = 0; i < 64; i++) free(buffers[i]);
    ember_method_free(m);
    free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static ember_program_storage prog_mem;
    fuzz_header h;
    const uint8_t *bytes;
    size_t n;
    ember_program *prog = NULL;
    fuzz_split(data, size, &h, &bytes, &n);
    uint8_t *file = aligned(n);
    if (file == NULL) return 0;
    memcpy(file, bytes, n);
    if (ember_program_load(&prog_mem, sizeof prog_mem, file, n, &prog) != EMBER_OK) {
        if (prog == NULL || ember_program_message(prog)[0] == 0) finding("load rejected without a message", "");
    } else {
        void *state = new_state(prog);
        for (int32_t i = 0; i < ember_program_method_count(prog); i++) {
            const char *name = ember_program_method_name(prog, i);
            if (name == NULL) finding("a loaded program's method has no name", "");
            run_method(prog, name, &h, state);
        }
        free(state);
    }
    ember_program_free(prog);
    free(file);
    return 0;
}
